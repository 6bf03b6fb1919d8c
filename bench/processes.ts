// The servers under test as child processes: pinned to one core, each in its own process group so
// the whole tree (tsx's launcher and the node it starts) can be stopped, and every one of them,
// with its temporary folder, cleaned up however the bench ends (Ctrl-C included).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

export const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

/** Servers on core 0, the load generator (this process) on core 1, when there are two cores. */
export interface Pinning {
  server: string[];
  note: string;
}

export function pinCores(enabled: boolean): Pinning {
  if (!enabled) return { server: [], note: 'not pinned (--no-taskset)' };
  if (cpus().length < 2) return { server: [], note: 'not pinned (fewer than 2 cores)' };
  const probe = spawnSync('taskset', ['-V'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) return { server: [], note: 'not pinned (no taskset)' };
  // -a: every thread of this process (libuv's pool and V8's helpers included).
  const self = spawnSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
  if (self.status !== 0) return { server: [], note: 'not pinned (taskset refused)' };
  return {
    server: ['taskset', '-c', '0'],
    note: 'servers on core 0 (taskset -c 0), load generator on core 1 (taskset -a -cp 1)',
  };
}

const children = new Set<ChildProcess>();
const dirs = new Set<string>();

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bench-${prefix}-`));
  dirs.add(dir);
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Last resort on any exit: kill what is left, remove the folders. Synchronous on purpose. */
export function cleanUpNow(): void {
  for (const child of children) killGroup(child, 'SIGKILL');
  children.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Server {
  name: string;
  url: string;
  pid: number;
  startedAt: number;
  /** Log file with the server's stdout and stderr. */
  log: string;
  /** Fires when the process ends; undefined until then. */
  exited: () => { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stop(): Promise<void>;
}

/**
 * Starts `command` (a shell command line, run as npm runs a script: `sh -c`, with
 * node_modules/.bin first on PATH) in a process group of its own, pinned when asked.
 */
export function startProcess(options: {
  name: string;
  command: string;
  env: Record<string, string>;
  port: number;
  pin: string[];
  dir: string;
}): Server {
  const log = join(options.dir, `${options.name}.log`);
  const out = createWriteStream(log);
  const env = {
    ...process.env,
    PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
    ...options.env,
  };
  const argv = [...options.pin, '/bin/sh', '-c', options.command];
  const startedAt = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const ended = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      children.delete(child);
      resolve();
    });
    child.once('error', () => resolve());
  });
  return {
    name: options.name,
    url: `http://127.0.0.1:${options.port}`,
    pid: child.pid ?? -1,
    startedAt,
    log,
    exited: () => exit,
    async stop() {
      killGroup(child, 'SIGTERM');
      const timeout = sleep(5_000).then(() => 'timeout');
      if ((await Promise.race([ended.then(() => 'ended'), timeout])) === 'timeout') {
        killGroup(child, 'SIGKILL');
        await ended;
      }
      // The launcher may have gone first; make sure nothing of the group is left.
      killGroup(child, 'SIGKILL');
      out.end();
    },
  };
}

/** Polls `path` until it answers 200; returns the milliseconds since the process was spawned. */
export async function waitUntilAnswering(
  server: Server,
  path: string,
  options: { method?: 'GET' | 'POST'; body?: string; timeoutMs?: number } = {},
): Promise<number> {
  const deadline = performance.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const exit = server.exited();
    if (exit) {
      const tail = readFileSync(server.log, 'utf8').slice(-2_000);
      throw new Error(
        `${server.name} exited (${exit.code ?? exit.signal}) before answering:\n${tail}`,
      );
    }
    try {
      const res = await request(`${server.url}${path}`, {
        method: options.method ?? 'GET',
        body: options.body,
        headers: options.body ? { 'content-type': 'application/json' } : {},
        reset: true,
      });
      await res.body.dump();
      if (res.statusCode === 200) return performance.now() - server.startedAt;
    } catch {
      // Not listening yet.
    }
    if (performance.now() > deadline)
      throw new Error(`${server.name} did not answer ${path} in time`);
    await sleep(10);
  }
}

/** Every process below `root`, `root` included. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: fields start after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const siblings = parents.get(ppid) ?? [];
      siblings.push(Number(entry));
      parents.set(ppid, siblings);
    } catch {
      // Gone while reading.
    }
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(parents.get(pid) ?? []));
  }
  return tree;
}

function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** RSS of the whole tree and of its largest process (the node that runs the server), in bytes. */
export function treeRss(root: number): { total: number; largest: number; processes: number } {
  const sizes = processTree(root).map(rssKb);
  return {
    total: sizes.reduce((a, b) => a + b, 0) * 1024,
    largest: Math.max(0, ...sizes) * 1024,
    processes: sizes.filter((s) => s > 0).length,
  };
}

/** Warnings and errors the gateway logged (pino JSON lines), counted by message. */
export function loggedProblems(logFile: string): Map<string, number> {
  const counts = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return counts;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: string | number; msg?: string };
      const level =
        entry.level === 'error' || entry.level === 'fatal' || Number(entry.level) >= 50
          ? 'error'
          : entry.level === 'warn' || Number(entry.level) === 40
            ? 'warn'
            : undefined;
      if (!level) continue;
      const key = `${level}: ${entry.msg ?? '?'}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } catch {
      // Not a log line.
    }
  }
  return counts;
}

let clockTicks: number | undefined;

/** CPU time (user + system) the tree has used so far, in milliseconds. */
export function treeCpuMs(root: number): number {
  if (clockTicks === undefined) {
    const probe = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clockTicks = Number(probe.stdout?.trim()) || 100;
  }
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command name.
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone while reading.
    }
  }
  return (ticks * 1000) / clockTicks;
}

/**
 * Waits until the tree has used under 2% of a core for a whole second (two 500 ms windows in a
 * row), or until the timeout; returns the milliseconds waited. A gateway goes idle once every
 * step it could run has run.
 */
export async function waitForIdle(root: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let previous = treeCpuMs(root);
  let calm = 0;
  while (calm < 2 && performance.now() - started < timeoutMs) {
    await sleep(500);
    const now = treeCpuMs(root);
    calm = now - previous < 10 ? calm + 1 : 0;
    previous = now;
  }
  return performance.now() - started;
}
