// Writes schema.graphql from the Pothos schema: `npm run schema`. A test fails when the committed
// file and the code disagree, so the printed schema is always the one that runs.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printedSchema } from '../src/graphql-schema.ts';

const target = fileURLToPath(new URL('../schema.graphql', import.meta.url));
writeFileSync(target, printedSchema());
process.stdout.write(`wrote ${target}\n`);
