import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every suite starts its own fake on an ephemeral loopback port, so files can run in parallel.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
