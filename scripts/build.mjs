// `npm run build`: compiles src/ and mocks/ to plain JavaScript in dist/ (tsc with
// tsconfig.build.json, which rewrites the source's `.ts` imports to `.js`), then stamps the build.
// The launcher and the test setup import `ensureBuilt` from here, so "stale" means one thing:
// a file under src/ or mocks/, or a tsconfig, changed after the last build began.
//
// Plain JavaScript on purpose: it runs before anything is compiled, with node alone.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.build-stamp');
const INPUTS = ['src', 'mocks', 'tsconfig.json', 'tsconfig.build.json'];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted or renamed file changes its folder's mtime
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why dist/ needs building, or undefined when it is current. */
export function staleness() {
  if (!existsSync(STAMP)) return 'dist/ has not been built';
  const built = statSync(STAMP).mtimeMs;
  const newest = Math.max(...INPUTS.map((input) => newestMtime(join(ROOT, input))));
  return newest > built ? 'the source changed since the last build' : undefined;
}

/** Compiles into a clean dist/; throws when tsc fails or is not installed. */
export function build() {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    throw new Error(
      'TypeScript is not installed (a production install without devDependencies?): build dist/ where it is, with `npm run build`, and ship it',
    );
  }
  // The stamp takes the time the build began: a file saved during the build makes it stale again.
  const began = new Date();
  rmSync(DIST, { recursive: true, force: true });
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`tsc failed (exit ${result.status ?? result.signal})`);
  writeFileSync(STAMP, `${began.toISOString()}\n`);
  utimesSync(STAMP, began, began);
}

/**
 * Builds when dist/ is missing or stale. Without TypeScript (a production install), an existing
 * dist/ is used as it is.
 */
export function ensureBuilt({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const why = staleness();
  if (!why) return;
  if (existsSync(STAMP) && !hasTypeScript()) return;
  log(`Building dist/ (${why}) ...`);
  const started = performance.now();
  build();
  log(`Built dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

function hasTypeScript() {
  try {
    createRequire(import.meta.url).resolve('typescript/bin/tsc');
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    build();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
