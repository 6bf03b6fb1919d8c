import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships CJS and ESM builds. Node (and so Pothos and yoga) loads the CJS one, vite
    // would give our source the ESM one, and graphql refuses types from "another realm". One copy.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-build.ts'],
    // The browser test needs Debian's Chromium: `npm run test:browser` (CI installs it first).
    // The three-instance run takes the whole machine for minutes: `npm run test:scale`, alone.
    exclude: ['test/browser/**', 'test/scale/**', '**/node_modules/**'],
    // Every suite starts its own fake (and gateway) on ephemeral loopback ports, so files run in parallel.
    // Tests wait on events, and each wait gives up after test/support/gateway.ts's HANG_MS (60 s):
    // these limits are only the last stop for a hang, far past what a loaded machine needs.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
