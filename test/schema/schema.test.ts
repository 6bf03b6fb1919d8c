import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../../src/schema/index.ts';

describe('schema.graphql', () => {
  it('is what the code builds (run `npm run schema` after changing the schema)', () => {
    const committed = readFileSync(
      fileURLToPath(new URL('../../schema.graphql', import.meta.url)),
      'utf8',
    );
    expect(committed).toBe(printedSchema());
  });

  it('has no output field that could carry a secret, only previews and has-flags', () => {
    const fields = [...printedSchema().matchAll(/^\s+(\w+)(?:\(.*\))?: /gm)].map((m) => m[1]!);
    const suspicious = fields.filter((f) =>
      /secret|token|apikey|api_key|password|credential/i.test(f),
    );
    expect(suspicious.sort()).toEqual(
      [
        'bearerTokenPreview',
        'credentialStatus',
        'hasBearerToken',
        'hasSendzenApiKey',
        'sendzenApiKeyPreview',
      ].sort(),
    );
  });
});
