// `npm start`: builds dist/ when it is missing or stale (so `npm install && npm start` on a fresh
// clone just works), then runs the compiled gateway in this same process, with no TypeScript
// loader. package.json runs it with `exec`, so this node is the process npm signals: npm forwards
// SIGTERM and SIGINT to its child, and without `exec` that child is sh, which dies and leaves the
// gateway running. A supervisor should run `node dist/src/main.js` itself (see the README).
//
//   node scripts/start.mjs            the gateway
//   node scripts/start.mjs cli ...    the operator CLI (npm run gateway -- ...)
import { pathToFileURL } from 'node:url';
import { DIST, ensureBuilt } from './build.mjs';

try {
  ensureBuilt();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

if (process.argv[2] === 'cli') {
  const { cliMain } = await import(pathToFileURL(`${DIST}/src/cli.js`).href);
  await cliMain(process.argv.slice(3));
} else {
  await import(pathToFileURL(`${DIST}/src/main.js`).href);
}
