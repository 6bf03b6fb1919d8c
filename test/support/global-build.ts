// Builds dist/ once, before any suite runs: suites that start the compiled gateway (`npm start`,
// `node dist/src/main.js`) would otherwise race each other to build it on a fresh clone.
import { ensureBuilt } from '../../scripts/build.mjs';

export function setup(): void {
  ensureBuilt({ log: () => {} });
}
