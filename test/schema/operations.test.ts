// Every operation the suites send is valid against the printed schema: a renamed field or argument
// fails here, naming the operation, rather than as a puzzling error deep inside a suite.
import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as operations from '../support/operations.ts';

const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

const all = Object.entries(operations).flatMap(([exported, value]) =>
  typeof value === 'object' && value !== null && 'query' in value && 'name' in value
    ? [{ exported, name: value.name, query: value.query }]
    : [],
);

describe('the shared operations (test/support/operations.ts)', () => {
  it('are all found, each under its own name', () => {
    expect(all.length).toBeGreaterThan(20);
    for (const { exported, name } of all) expect(name, exported).toBe(exported);
  });

  it.each(all)('$name is valid against schema.graphql', ({ name, query }) => {
    let problems: string[];
    try {
      problems = validate(schema, parse(query)).map((e) => e.message);
    } catch (error) {
      problems = [String(error)];
    }
    expect(problems, `${name}:\n${problems.join('\n')}\n${query}`).toEqual([]);
  });
});
