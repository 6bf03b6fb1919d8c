// Builds the schema: every domain type's file registers itself with the builder when imported.
import './step.ts';
import './errors.ts';
import './onboarding.ts';
import './sender.ts';
import './conversation-app.ts';
import './credentials.ts';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';

export const schema = builder.toSchema();

export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
