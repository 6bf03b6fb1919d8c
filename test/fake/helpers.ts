// Small tools for the fake's own tests: plain fetch over loopback and polling, so each test reads
// as what a user of the sandbox would do. (The webhook receiver is shared: test/support/receiver.ts.)
import {
  type FakeUpstreams,
  type FakeUpstreamsOptions,
  startFakeUpstreams,
} from '../../mocks/serve.ts';
import { HANG_MS } from '../support/windows.ts';

export function startFake(options: FakeUpstreamsOptions = {}): Promise<FakeUpstreams> {
  return startFakeUpstreams({
    port: 0,
    log: false,
    senderActivationMs: 50,
    callbackRetryDelaysMs: [20, 50],
    ...options,
  });
}

/** Tests read ad-hoc JSON bodies; each assertion says what shape it expects. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Loose = any;

export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

export const sandboxBasic = (fake: FakeUpstreams) =>
  basic(fake.credentials.sinchKeyId, fake.credentials.sinchKeySecret);

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** JSON request; the answer's body is parsed when it is JSON, else left as text. */
export async function call<T = Loose>(
  method: string,
  url: string,
  options: { body?: unknown; auth?: string; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) headers.authorization = options.auth;
  if (options.body !== undefined && !headers['content-type']) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(url, {
    method,
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

export function control<T = Loose>(
  fake: FakeUpstreams,
  method: string,
  path: string,
  body?: unknown,
) {
  return call<T>(method, `${fake.urls.sandbox}${path}`, { body });
}

export async function sinchToken(fake: FakeUpstreams): Promise<string> {
  const answer = await call<{ access_token: string }>(
    'POST',
    `${fake.urls.sinchAuth}/oauth2/token`,
    {
      auth: sandboxBasic(fake),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    },
  );
  return answer.body.access_token;
}

/** Polls until `probe` returns a value; gives up only after HANG_MS (test/support/windows.ts). */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = HANG_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing arrived within ${timeoutMs} ms`);
    await sleep(10);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
