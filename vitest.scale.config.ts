import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The several-instances proof, on its own: three gateway processes, PostgreSQL and Redis, 300
// customers. Alone, because it takes the whole machine for minutes (spread, as in
// vitest.browser.config.ts, so the base exclude does not remove it again).
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/scale/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
  },
});
