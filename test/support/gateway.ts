// A gateway in sandbox mode for a test: the fake on a free loopback port, the gateway on another,
// a fresh database in a temporary folder, and quick retry settings. Everything goes over HTTP.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import { expect } from 'vitest';
import WebSocket from 'ws';
import type { FakeUpstreamsOptions } from '../../mocks/serve.ts';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { loadConfig } from '../../src/config.ts';
import type { ApiKeyScope } from '../../src/db/schema.ts';
import { type Gateway, startGateway } from '../../src/gateway.ts';
import { ulid } from '../../src/ids.ts';
import { createLogger, type LogLevel } from '../../src/logger.ts';
import { sandboxUpstreams } from '../../src/sandbox.ts';
import { type Sandbox, startSandbox } from './fake.ts';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  body: {
    data?: T;
    errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  };
}

export interface TestGateway {
  gateway: Gateway;
  sandbox: Sandbox;
  dir: string;
  /** `Bearer <the admin key every test gateway is started with>`. */
  admin: string;
  /** GraphQL over HTTP as the admin key, or with the given Authorization (null: none). */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    authorization?: string | null,
  ): Promise<GraphQLResponse<T>>;
  sse<T>(
    query: string,
    variables?: Record<string, unknown>,
    authorization?: string | null,
  ): Promise<Subscription<T>>;
  ws<T>(
    query: string,
    variables?: Record<string, unknown>,
    authorization?: string | null,
  ): Subscription<T> & { client: Client };
  /** A new partner API key with these scopes, as an Authorization header value. */
  keyWith(...scopes: ApiKeyScope[]): Promise<string>;
  /** Runs `query` (which reads `onboarding(id: $id)`) as the admin and returns the onboarding. */
  onboarding<T>(query: string, id: string): Promise<T>;
  /** Polls `onboarding(query, id)` until `done` holds. */
  waitForOnboarding<T>(
    query: string,
    id: string,
    done: (o: T) => boolean,
    timeoutMs?: number,
  ): Promise<T>;
  close(): Promise<void>;
}

/** A partner API key in the form `keys create` makes, for BOOTSTRAP_API_KEY. */
export function newBootstrapKey(): string {
  return `gwk_${ulid()}_${randomBytes(32).toString('base64url')}`;
}

/** Environment for a test gateway; each value can be overridden per suite. */
export function testEnv(
  dir: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    GATEWAY_MODE: 'sandbox',
    PORT: '0',
    DATABASE_FILE: join(dir, 'gateway.sqlite'),
    LOG_LEVEL: 'silent',
    STEP_RETRY_BASE_MS: '20',
    SENDER_POLL_AFTER_MS: '3000',
    SUBPROJECT_WARMUP_GRACE_MS: '5000',
    ...overrides,
  };
}

export async function startTestGateway(
  options: {
    sandbox?: FakeUpstreamsOptions;
    env?: Record<string, string>;
    /** Keep the gateway's log lines (as written, after redaction) at this level. */
    log?: { level: LogLevel; lines: string[] };
  } = {},
): Promise<TestGateway> {
  const sandbox = await startSandbox({
    senderActivationMs: 50,
    callbackRetryDelaysMs: [20, 50, 100],
    ...options.sandbox,
  });
  const dir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
  const adminKey = newBootstrapKey();
  const config = {
    ...loadConfig(testEnv(dir, { BOOTSTRAP_API_KEY: adminKey, ...options.env })),
    upstreams: sandboxUpstreams(sandbox),
  };
  const gateway = await startGateway(
    config,
    options.log
      ? { logger: createLogger(options.log.level, (line) => options.log?.lines.push(line)) }
      : {},
  );
  const admin = `Bearer ${adminKey}`;
  const headers = (authorization: string | null | undefined): Record<string, string> =>
    authorization === null ? {} : { authorization: authorization ?? admin };
  return {
    gateway,
    sandbox,
    dir,
    admin,
    gql: (query, variables, authorization) =>
      graphql(gateway.url, query, variables, headers(authorization)),
    sse: (query, variables, authorization) =>
      subscribeSse(gateway.url, query, variables, headers(authorization)),
    ws: (query, variables, authorization) =>
      subscribeWs(
        gateway.url,
        query,
        variables,
        authorization === null ? undefined : { authorization: authorization ?? admin },
      ),
    onboarding: (query, id) => readOnboarding(gateway.url, admin, query, id),
    waitForOnboarding: (query, id, done, timeoutMs) =>
      until(async () => {
        const o = await readOnboarding<Parameters<typeof done>[0]>(gateway.url, admin, query, id);
        return done(o) ? o : undefined;
      }, timeoutMs),
    keyWith: async (...scopes) =>
      `Bearer ${(await createApiKey(gateway.database.apiKeys, { name: `test ${scopes.join('+')}`, scopes })).key}`,
    async close() {
      await gateway.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function readOnboarding<T>(
  baseUrl: string,
  admin: string,
  query: string,
  id: string,
): Promise<T> {
  const res = await graphql<{ onboarding: T }>(baseUrl, query, { id }, { authorization: admin });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.onboarding;
}

export async function graphql<T>(
  baseUrl: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GraphQLResponse<T>['body'] };
}

/** Values a subscription delivered, and a way to wait for the one a test expects. */
export interface Subscription<T> {
  values: T[];
  errors: unknown[];
  waitFor(match: (value: T) => boolean, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

function collector<T>(close: () => Promise<void>): Subscription<T> & { push(v: T): void } {
  const values: T[] = [];
  const waiters = new Set<() => void>();
  return {
    values,
    errors: [],
    push(value) {
      values.push(value);
      for (const wake of waiters) wake();
    },
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = values.find(match);
          if (found === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `subscription: no matching value within ${timeoutMs} ms; got ${JSON.stringify(values).slice(0, 2000)}`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close,
  };
}

/** GraphQL over SSE (yoga's distinct-connections mode): one HTTP request per subscription. */
export async function subscribeSse<T>(
  baseUrl: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Subscription<T>> {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  if (!res.ok || !res.body)
    throw new Error(`SSE subscription refused: ${res.status} ${await res.text()}`);
  const sub = collector<T>(async () => controller.abort());
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('\n');
          if (data) {
            const payload = JSON.parse(data) as { data?: T; errors?: unknown[] };
            if (payload.errors) sub.errors.push(...payload.errors);
            if (payload.data) sub.push(payload.data);
          }
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return sub;
}

/** graphql-ws over a WebSocket on the same /graphql path. */
export function subscribeWs<T>(
  baseUrl: string,
  query: string,
  variables?: Record<string, unknown>,
  connectionParams?: Record<string, unknown>,
): Subscription<T> & { client: Client } {
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
  });
  const sub = collector<T>(async () => {
    unsubscribe();
    await client.dispose();
  });
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) sub.errors.push(...result.errors);
        if (result.data) sub.push(result.data as T);
      },
      error: (error) => sub.errors.push(error),
      complete: () => {},
    },
  );
  return Object.assign(sub, { client });
}

/** Polls until `check` returns a value, or fails after the timeout. */
export async function until<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
