// Files the gateway reads at run time (migrations, the demo's page) live beside the source, not
// beside the module that reads them: the same module runs from `src/` (tsx, vitest) and from
// `dist/src/` (the compiled build), one level deeper. The project root is the nearest folder
// above this module holding package.json, so either location finds the same files.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('no package.json above the gateway: cannot find its files');
    dir = parent;
  }
  return dir;
}

const ROOT = findRoot();

/** An absolute path from the project root: `projectPath('drizzle')`. */
export function projectPath(...segments: string[]): string {
  return resolve(ROOT, ...segments);
}
