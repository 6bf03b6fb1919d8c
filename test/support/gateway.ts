// A gateway in sandbox mode for a test: the fake on a free loopback port, the gateway on another,
// a fresh database in a temporary folder, and quick retry settings. Everything goes over HTTP.
//
// Waiting: a test waits on what the gateway tells it (a subscription's next value), never on a
// clock. Where nothing can tell (a row in the database, the fake's journal), `until` in
// windows.ts polls; every wait gives up only after HANG_MS, which a loaded machine does not reach
// but a hang does.

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
import { withSandbox } from '../../src/sandbox.ts';
import { testStoreEnv } from './databases.ts';
import { type Sandbox, startSandbox } from './fake.ts';
import {
  type Document,
  documentText,
  type OnboardingView,
  ReadOnboarding,
  WatchOnboarding,
} from './operations.ts';
import { HANG_MS } from './windows.ts';

type Variables = Record<string, unknown>;

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  body: {
    data?: T;
    errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  };
}

/**
 * Where a GraphQL POST goes: a gateway's base URL (over a socket), or a function that answers the
 * request some other way (in process: test/support/in-process.ts).
 */
export type Endpoint = string | ((init: RequestInit) => Promise<Response>);

function post(endpoint: Endpoint, init: RequestInit): Promise<Response> {
  return typeof endpoint === 'string' ? fetch(`${endpoint}/graphql`, init) : endpoint(init);
}

export interface TestGateway {
  gateway: Gateway;
  sandbox: Sandbox;
  dir: string;
  /** The PostgreSQL database it runs on, when the suites run on PostgreSQL. */
  databaseUrl: string | undefined;
  /** `Bearer <the admin key every test gateway is started with>`. */
  admin: string;
  /** GraphQL over HTTP as the admin key, or with the given Authorization (null: none). */
  gql<T = Record<string, unknown>>(
    document: Document<T>,
    variables?: Variables,
    authorization?: string | null,
  ): Promise<GraphQLResponse<T>>;
  sse<T>(
    document: Document<T>,
    variables?: Variables,
    authorization?: string | null,
  ): Promise<Subscription<T>>;
  ws<T>(
    document: Document<T>,
    variables?: Variables,
    authorization?: string | null,
  ): Subscription<T> & { client: Client };
  /** A new partner API key with these scopes, as an Authorization header value. */
  keyWith(...scopes: ApiKeyScope[]): Promise<string>;
  /** The onboarding as the admin reads it (ReadOnboarding). */
  onboarding(id: string): Promise<OnboardingView>;
  /** Watches the onboarding until a version of it satisfies `done`, and returns that version. */
  waitForOnboarding(
    id: string,
    done: (o: OnboardingView) => boolean,
    timeoutMs?: number,
  ): Promise<OnboardingView>;
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
    // Meta's 30 s would be a window a loaded machine can miss between a relay and the sender.
    metaCodeTtlMs: 600_000,
    ...options.sandbox,
  });
  const dir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
  const adminKey = newBootstrapKey();
  const store = await testStoreEnv();
  const config = withSandbox(
    loadConfig(testEnv(dir, { BOOTSTRAP_API_KEY: adminKey, ...store.env, ...options.env })),
    sandbox,
  );
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
    databaseUrl: store.env.DATABASE_URL,
    admin,
    gql: (document, variables, authorization) =>
      graphql(gateway.url, document, variables, headers(authorization)),
    sse: (document, variables, authorization) =>
      subscribeSse(gateway.url, document, variables, headers(authorization)),
    ws: (document, variables, authorization) =>
      subscribeWs(
        gateway.url,
        document,
        variables,
        authorization === null ? undefined : { authorization: authorization ?? admin },
      ),
    onboarding: (id) => readOnboarding(gateway.url, { authorization: admin }, id),
    waitForOnboarding: (id, done, timeoutMs) =>
      waitForOnboarding(gateway.url, { authorization: admin }, id, done, timeoutMs),
    keyWith: async (...scopes) =>
      `Bearer ${(await createApiKey(gateway.database.apiKeys, { name: `test ${scopes.join('+')}`, scopes })).key}`,
    async close() {
      await gateway.close();
      await sandbox.close();
      await store.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The onboarding as ReadOnboarding answers it; fails the test on an error or no onboarding. */
export async function readOnboarding(
  endpoint: Endpoint,
  headers: Record<string, string>,
  id: string,
): Promise<OnboardingView> {
  const res = await graphql(endpoint, ReadOnboarding, { id }, headers);
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data?.onboarding, `onboarding ${id}`).toBeTruthy();
  return res.body.data!.onboarding!;
}

/**
 * Subscribes to the onboarding (WatchOnboarding, which first sends its current state) and resolves
 * with the first version for which `done` holds; rejects if the subscription fails or ends first.
 */
export async function waitForOnboarding(
  endpoint: Endpoint,
  headers: Record<string, string>,
  id: string,
  done: (o: OnboardingView) => boolean,
  timeoutMs = HANG_MS,
): Promise<OnboardingView> {
  const sub = await subscribeSse(endpoint, WatchOnboarding, { id }, headers);
  try {
    return (await sub.waitFor((v) => done(v.onboardingUpdated), timeoutMs)).onboardingUpdated;
  } finally {
    await sub.close();
  }
}

export async function graphql<T>(
  endpoint: Endpoint,
  document: Document<T>,
  variables?: Variables,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await post(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...headers,
    },
    body: JSON.stringify({ query: documentText(document), variables }),
  });
  return { status: res.status, body: (await res.json()) as GraphQLResponse<T>['body'] };
}

/** Values a subscription delivered, and ways to wait for what a test expects of it. */
export interface Subscription<T> {
  values: T[];
  /** GraphQL errors the server sent, and (graphql-ws) a close event or a failed connection. */
  errors: unknown[];
  /** The first value (counting ones already received) that matches. */
  waitFor(match: (value: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Resolves with the errors once there are any. */
  waitForErrors(timeoutMs?: number): Promise<unknown[]>;
  /** Resolves when the server has ended the subscription (completed it or failed it). */
  ended: Promise<void>;
  close(): Promise<void>;
}

function collector<T>(close: () => Promise<void>) {
  const values: T[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  let isEnded = false;
  let markEnded: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    markEnded = resolve;
  });
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const shown = () => JSON.stringify({ values, errors }).slice(0, 2000);

  /** Resolves with `found()` once it returns something; rejects if the stream ends first. */
  function waitUntil<R>(found: () => R | undefined, what: string, timeoutMs: number): Promise<R> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = found();
        if (value === undefined && !isEnded) return false;
        waiters.delete(check);
        clearTimeout(timer);
        if (value !== undefined) resolve(value);
        else reject(new Error(`subscription: ended without ${what}; got ${shown()}`));
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`subscription: no ${what} within ${timeoutMs} ms; got ${shown()}`));
      }, timeoutMs);
      if (!check()) waiters.add(check);
    });
  }

  const sub: Subscription<T> & {
    push(value: T): void;
    fail(...errors: unknown[]): void;
    end(): void;
  } = {
    values,
    errors,
    ended,
    push(value) {
      values.push(value);
      wake();
    },
    fail(...more) {
      errors.push(...more);
      wake();
    },
    end() {
      isEnded = true;
      markEnded();
      wake();
    },
    waitFor: (match, timeoutMs = HANG_MS) =>
      waitUntil(() => values.find(match), 'matching value', timeoutMs),
    waitForErrors: (timeoutMs = HANG_MS) =>
      waitUntil(() => (errors.length > 0 ? errors : undefined), 'error', timeoutMs),
    close,
  };
  return sub;
}

/**
 * GraphQL over SSE (yoga's distinct-connections mode): one HTTP request per subscription. Rejects
 * when the subscription is refused before it starts (a 401, say).
 */
export async function subscribeSse<T>(
  endpoint: Endpoint,
  document: Document<T>,
  variables?: Variables,
  headers: Record<string, string> = {},
): Promise<Subscription<T>> {
  const controller = new AbortController();
  const res = await post(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query: documentText(document), variables }),
    signal: controller.signal,
  });
  if (!res.ok || !res.body)
    throw new Error(`SSE subscription refused: ${res.status} ${await res.text()}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const sub = collector<T>(async () => {
    controller.abort();
    await reader.cancel().catch(() => {});
  });
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
            if (payload.errors) sub.fail(...payload.errors);
            if (payload.data) sub.push(payload.data);
          }
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      sub.end();
    }
  })();
  return sub;
}

/** graphql-ws over a WebSocket on the same /graphql path. */
export function subscribeWs<T>(
  baseUrl: string,
  document: Document<T>,
  variables?: Variables,
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
    { query: documentText(document), variables },
    {
      next: (result) => {
        if (result.errors) sub.fail(...result.errors);
        if (result.data) sub.push(result.data as T);
      },
      error: (error) => {
        sub.fail(error);
        sub.end();
      },
      complete: () => sub.end(),
    },
  );
  return Object.assign(sub, { client });
}
