import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The end-to-end browser test, on its own: it drives Debian's Chromium (/usr/bin/chromium).
// Spread, not mergeConfig: mergeConfig concatenates arrays, so the base exclude (test/browser/**)
// would stay and the base include (every test) would be added.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/browser/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 120_000,
  },
});
