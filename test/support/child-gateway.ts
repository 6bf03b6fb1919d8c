// The gateway as its own operating-system process (`node --import tsx src/main.ts`, or the
// compiled `node dist/src/main.js` as production runs it), for what an in-process gateway cannot
// show: a process killed mid-call or shut down by a signal and started again on the same
// database, or a start refused before anything listens. Every child is remembered, so a suite can
// kill the ones it started whatever happened.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeUpstreams } from '../../mocks/serve.ts';
import { ensureBuilt } from '../../scripts/build.mjs';
import { ulid } from '../../src/ids.ts';
import { sandboxUpstreamEnv } from '../../src/sandbox.ts';
import { HANG_MS } from './windows.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

const running = new Set<ChildProcess>();

/** A port nobody listens on right now: the OS picks one, and we let it go again. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (!address || typeof address === 'string') throw new Error('no port was assigned');
  return address.port;
}

/** A partner API key in the shape the gateway accepts (`gwk_<ulid>_<43 base64url characters>`). */
export function newApiKey(): string {
  return `gwk_${ulid()}_${randomBytes(32).toString('base64url')}`;
}

/**
 * Live-mode configuration that points every upstream at the bundled fake running in the test.
 * `BOOTSTRAP_API_KEY` is a fresh admin key the gateway creates at start: send it as
 * `Authorization: Bearer <key>` (see `authorization()`).
 */
export function liveEnv(
  fake: FakeUpstreams,
  options: { port: number; dir: string; overrides?: Record<string, string> },
): Record<string, string> {
  return {
    GATEWAY_MODE: 'live',
    HOST: '127.0.0.1',
    PORT: String(options.port),
    PUBLIC_URL: `http://127.0.0.1:${options.port}`,
    DATABASE_FILE: join(options.dir, 'gateway.sqlite'),
    SECRETS_KEY: randomBytes(32).toString('base64'),
    BOOTSTRAP_API_KEY: newApiKey(),
    BOOTSTRAP_API_KEY_SCOPES: 'read,write,admin',
    LOG_LEVEL: 'silent',
    STEP_RETRY_BASE_MS: '20',
    SENDER_POLL_AFTER_MS: '1000',
    SUBPROJECT_WARMUP_GRACE_MS: '5000',
    ...sandboxUpstreamEnv(fake),
    ...options.overrides,
  };
}

/** The header that authenticates GraphQL calls to a gateway started with `env`. */
export function authorization(env: Record<string, string>): Record<string, string> {
  return env.BOOTSTRAP_API_KEY ? { authorization: `Bearer ${env.BOOTSTRAP_API_KEY}` } : {};
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildGateway {
  pid: number;
  /** Everything the process wrote so far, stdout and stderr interleaved and labelled. */
  output(): string;
  stdout(): string;
  stderr(): string;
  exited: Promise<ChildExit>;
  /** Sends the signal (SIGKILL by default) and waits for the process to be gone. */
  kill(signal?: NodeJS.Signals): Promise<ChildExit>;
}

export interface SpawnOptions {
  /** Run the compiled build (`node dist/src/main.js`); the suite must call `buildOnce()` first. */
  compiled?: boolean;
}

/**
 * Builds dist/ when it is missing or stale (scripts/build.mjs decides), for a suite that runs the
 * compiled gateway: call it in beforeAll, whose limit a build fits in.
 */
export function buildOnce(): void {
  ensureBuilt({ log: () => {} });
}

/**
 * Starts `src/main.ts` (or its build) with exactly `env` (plus what node itself needs to run):
 * nothing leaks in from the test runner's own environment.
 */
export function spawnGateway(
  env: Record<string, string>,
  options: SpawnOptions = {},
): ChildGateway {
  const base: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) {
    const value = process.env[key];
    if (value !== undefined) base[key] = value;
  }
  const argv = options.compiled ? ['dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const out: string[] = [];
  const err: string[] = [];
  const all: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out.push(chunk);
    all.push(`[stdout] ${chunk}`);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err.push(chunk);
    all.push(`[stderr] ${chunk}`);
  });
  const exited = new Promise<ChildExit>((done) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      done({ code, signal });
    });
  });
  if (child.pid === undefined) throw new Error('the gateway process did not start');
  return {
    pid: child.pid,
    output: () => all.join(''),
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Starts the gateway and resolves once `/readyz` answers 200; rejects with its output otherwise. */
export async function startChildGateway(
  env: Record<string, string>,
  timeoutMs = HANG_MS,
  options: SpawnOptions = {},
): Promise<ChildGateway & { url: string }> {
  const child = spawnGateway(env, options);
  const url = `http://${env.HOST ?? '127.0.0.1'}:${env.PORT}`;
  let gone: ChildExit | undefined;
  void child.exited.then((exit) => {
    gone = exit;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone) {
      throw new Error(
        `the gateway exited (${gone.code ?? gone.signal}) before it was ready:\n${child.output()}`,
      );
    }
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) return { ...child, url };
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await child.kill();
      throw new Error(`the gateway was not ready within ${timeoutMs} ms:\n${child.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the gateway until it exits by itself (a refused start), killing it after the timeout. */
export async function runGatewayToExit(
  env: Record<string, string>,
  timeoutMs = HANG_MS,
): Promise<ChildExit & { stdout: string; stderr: string }> {
  const child = spawnGateway(env);
  const timer = setTimeout(() => void child.kill(), timeoutMs);
  const exit = await child.exited;
  clearTimeout(timer);
  return { ...exit, stdout: child.stdout(), stderr: child.stderr() };
}

/** Kills every gateway process this test file started and has not seen exit. */
export async function killAllChildGateways(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGKILL');
        }),
    ),
  );
}
