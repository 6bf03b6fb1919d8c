// What a refused request may show a client: never a stack frame, a source location, an internal
// error's name, or an unexpected failure that had to be masked.
import { expect } from 'vitest';

export function expectNothingInternal(text: string) {
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|\bat (file:|node:|\/)/);
  expect(text).not.toMatch(/\.(ts|js|mjs):\d+/);
  expect(text).not.toMatch(/(?<!Syntax )\b\w*Error:/);
  expect(text).not.toMatch(/Unexpected error\.|INTERNAL_SERVER_ERROR/);
  expect(text).not.toMatch(/sqlite/i);
}
