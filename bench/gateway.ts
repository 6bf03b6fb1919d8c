// The two kinds of server the bench starts: the gateway exactly as `npm start` runs it (the
// compiled build through scripts/start.mjs; sandbox mode, the fake in the same process) and the plain graphql-yoga baseline.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { type Answer, type HttpTarget, pool, post } from './load.ts';
import {
  freePort,
  ROOT,
  removeDir,
  type Server,
  startProcess,
  tempDir,
  waitUntilAnswering,
} from './processes.ts';

/** package.json's `start` script: the command line `npm start` runs. */
export function startScript(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return pkg.scripts.start!;
}

export const PLAIN_YOGA_COMMAND = 'exec node bench/plain-yoga.mjs';

export interface BenchSettings {
  pin: string[];
  stepConcurrency: number;
}

export interface BenchGateway {
  server: Server;
  url: string;
  /** The bundled fake, in the gateway's process. */
  fakeUrl: string;
  authorization: string;
  /** Milliseconds from spawn to /readyz answering 200. */
  readyAfterMs: number;
  gql<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  graphqlTarget(connections: number): HttpTarget;
  /** A /_sandbox control of the fake. */
  control<T>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** A partner API key in the form `keys create` makes (gwk_<ULID>_<secret>), for BOOTSTRAP_API_KEY. */
export function newApiKey(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const id = [...randomBytes(26)].map((b, i) => alphabet[i === 0 ? b % 8 : b % 32]).join('');
  return `gwk_${id}_${randomBytes(32).toString('base64url')}`;
}

export const GRAPHQL_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/graphql-response+json, application/json',
};

export async function startGateway(
  name: string,
  settings: BenchSettings,
  env: Record<string, string> = {},
): Promise<BenchGateway> {
  const dir = tempDir(name);
  const [port, sandboxPort] = [await freePort(), await freePort()];
  const key = newApiKey();
  const server = startProcess({
    name,
    command: startScript(),
    pin: settings.pin,
    dir,
    port,
    env: {
      GATEWAY_MODE: 'sandbox',
      HOST: '127.0.0.1',
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      DATABASE_FILE: join(dir, 'gateway.sqlite'),
      BOOTSTRAP_API_KEY: key,
      LOG_LEVEL: 'warn',
      SANDBOX_SENDER_ACTIVATION_MS: '0',
      STEP_RETRY_BASE_MS: '100',
      // Being added in parallel; ignored by a gateway that does not know it yet.
      STEP_CONCURRENCY: String(settings.stepConcurrency),
      // The bench measures the gateway, not its limiter: P4 alone sends 5,000 mutations in seconds.
      RATE_LIMIT_KEY_PER_MINUTE: '0',
      ...env,
    },
  });
  let readyAfterMs: number;
  try {
    readyAfterMs = await waitUntilAnswering(server, '/readyz');
  } catch (error) {
    await server.stop();
    throw error;
  }
  const authorization = `Bearer ${key}`;
  const fakeUrl = `http://127.0.0.1:${sandboxPort}`;
  const target: HttpTarget = {
    pool: pool(server.url, 16),
    path: '/graphql',
    headers: { ...GRAPHQL_HEADERS, authorization },
  };
  // The fake's state and journal are scrubbed of every secret it has seen, string by string:
  // after a large scenario one read can take many seconds.
  const fake = new Pool(fakeUrl, { connections: 4, headersTimeout: 300_000, bodyTimeout: 300_000 });
  return {
    server,
    url: server.url,
    fakeUrl,
    authorization,
    readyAfterMs,
    async gql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const answer = await post(target, JSON.stringify({ query, variables }));
      return dataOf<T>(answer);
    },
    graphqlTarget: (connections) => ({
      pool: pool(server.url, connections),
      path: '/graphql',
      headers: { ...GRAPHQL_HEADERS, authorization },
    }),
    async control<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fake.request({
        method: method as 'GET',
        path: `/_sandbox${path}`,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.body.text();
      if (res.statusCode >= 300) {
        throw new Error(`sandbox ${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`);
      }
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async stop() {
      await Promise.allSettled([target.pool.close(), fake.close()]);
      await server.stop();
      removeDir(dir);
    },
  };
}

export function dataOf<T>(answer: Answer): T {
  const parsed = JSON.parse(answer.body) as { data?: T; errors?: { message: string }[] };
  if (answer.status !== 200 || parsed.errors || !parsed.data) {
    throw new Error(`GraphQL ${answer.status}: ${answer.body.slice(0, 500)}`);
  }
  return parsed.data;
}

export interface PlainYoga {
  server: Server;
  url: string;
  /** Milliseconds from spawn to the first answer to `{ hello }`. */
  firstAnswerAfterMs: number;
  stop(): Promise<void>;
}

export const HELLO = JSON.stringify({ query: '{ hello }' });

export async function startPlainYoga(name: string, settings: BenchSettings): Promise<PlainYoga> {
  const dir = tempDir(name);
  const port = await freePort();
  const server = startProcess({
    name,
    command: PLAIN_YOGA_COMMAND,
    pin: settings.pin,
    dir,
    port,
    env: { PORT: String(port) },
  });
  let firstAnswerAfterMs: number;
  try {
    firstAnswerAfterMs = await waitUntilAnswering(server, '/graphql', {
      method: 'POST',
      body: HELLO,
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    server,
    url: server.url,
    firstAnswerAfterMs,
    async stop() {
      await server.stop();
      removeDir(dir);
    },
  };
}

export const ONBOARD = `mutation($input: OnboardCustomerInput!) {
  onboardCustomer(input: $input) { created sessionToken onboarding { id status version iframeUrl } }
}`;

export interface Onboarded {
  onboardCustomer: {
    created: boolean;
    onboarding: { id: string; status: string; version: number };
  };
}
