// The one transport every upstream client goes through. It owns what each client would otherwise
// get subtly wrong on its own: connection pooling, timeouts at every stage, the retry policy,
// mapping every failure into one `UpstreamError`, validating every response body, and keeping
// credentials out of errors and logs.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'undici';
import type { z } from 'zod';
import { kindForStatus, UpstreamError, type UpstreamName } from './errors.ts';
import { redactor as processRedactor, type Redactor } from './redact.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How a failed call may be repeated.
 * - `read`: any transient failure is retried (reads, and writes a repeat cannot duplicate).
 * - `create`: only failures that certainly did not reach the upstream's logic (connection refused,
 *   429, 503) are retried, because Sinch creates have no idempotency keys: a repeat after a timeout
 *   could create a second resource. Those failures carry `outcomeUnknown` instead.
 */
export type RetryMode = 'read' | 'create';

/** Supplies the Authorization header; may refresh it when the upstream refuses it. */
export interface AuthProvider {
  authorization(): Promise<string>;
  /**
   * Told that `authorization` was answered with 401. Returns true when asking again with a fresh
   * credential may help (an expired token), false when it cannot (wrong static credentials).
   */
  refused?(authorization: string): boolean;
}

export interface Logger {
  debug(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export const silentLogger: Logger = { debug() {}, warn() {} };

/**
 * Where the transport reports each HTTP attempt and each retry (the gateway's /metrics). `status`
 * is the HTTP status, or the failure kind when no answer came back.
 */
export interface UpstreamMetrics {
  upstreamCall(upstream: string, operation: string, status: string, seconds: number): void;
  upstreamRetry(upstream: string, operation: string): void;
}

const unmeasured: UpstreamMetrics = { upstreamCall() {}, upstreamRetry() {} };

export interface Timeouts {
  /** TCP + TLS connect. */
  connectMs: number;
  /** From request sent to response headers received. */
  headersMs: number;
  /** Longest silence while the body streams in. */
  bodyMs: number;
  /** One attempt, start to finish: nothing waits longer, whatever the stage. */
  attemptMs: number;
  /** The whole call, retries and waits between them included. */
  totalMs: number;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the call fails with `rate_limited`. */
  maxRetryAfterMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  connectMs: 5_000,
  headersMs: 15_000,
  bodyMs: 15_000,
  attemptMs: 20_000,
  totalMs: 60_000,
};

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
};

const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** What an upstream's error body says, in its own terms. */
export interface UpstreamErrorBody {
  code?: string;
  message?: string;
}

export interface TransportOptions {
  upstream: UpstreamName;
  /** Origin plus an optional base path, e.g. `http://127.0.0.1:4010/sinch/provisioning`. */
  baseUrl: string;
  /** Reads the upstream's error body format; returns undefined when the body is not one. */
  parseErrorBody: (body: unknown) => UpstreamErrorBody | undefined;
  timeouts?: Partial<Timeouts>;
  retry?: Partial<RetryPolicy>;
  pools?: PoolRegistry;
  logger?: Logger;
  metrics?: UpstreamMetrics;
  redactor?: Redactor;
  /** Injected in tests to make backoff instant. */
  random?: () => number;
}

/** What a client passes through to its transport: everything but the upstream's identity. */
export type TransportTuning = Pick<
  TransportOptions,
  'pools' | 'logger' | 'metrics' | 'timeouts' | 'retry' | 'random' | 'redactor'
>;

export interface CallOptions<T> {
  /**
   * A short, stable name for what the call does (`subprojects.create`): the metrics' label. Never
   * the path, which carries ids and would make a series per resource.
   */
  operation: string;
  method: HttpMethod;
  /** Path after the base URL, starting with `/`. */
  path: string;
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  json?: unknown;
  form?: Record<string, string>;
  auth?: AuthProvider;
  /** Validates the success body; a body that fails it is a `bad_response` error. */
  response: z.ZodType<T>;
  retry: RetryMode;
}

/**
 * One keep-alive undici Pool per origin, shared by every transport: the fake serves all upstreams
 * on one port, and production hosts differ, so pooling by origin is right for both.
 */
export class PoolRegistry {
  /**
   * undici is loaded by the first upstream call, not at start: it is a tenth of the start's
   * imports, and a gateway answers /readyz, GraphQL reads and subscriptions without it.
   */
  static #undici: Promise<typeof import('undici')> | undefined;
  readonly #pools = new Map<string, Promise<Pool>>();
  readonly #connectMs: number;

  constructor(options: { connectTimeoutMs?: number } = {}) {
    this.#connectMs = options.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectMs;
  }

  get(origin: string): Promise<Pool> {
    let pool = this.#pools.get(origin);
    if (!pool) {
      PoolRegistry.#undici ??= import('undici');
      pool = PoolRegistry.#undici.then(
        ({ Pool }) =>
          new Pool(origin, {
            connections: 32,
            keepAliveTimeout: 10_000,
            connect: { timeout: this.#connectMs },
          }),
      );
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** Lets the calls in flight finish, then closes every connection. */
  async close(): Promise<void> {
    const pools = await Promise.all(this.#pools.values());
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  /** Aborts the calls in flight and closes every connection at once. */
  async destroy(): Promise<void> {
    const pools = await Promise.all(this.#pools.values());
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.destroy()));
  }
}

export const defaultPools = new PoolRegistry();

/** Splits a base URL into the origin (what undici pools accept) and a path prefix. */
export function splitBaseUrl(baseUrl: string): { origin: string; basePath: string } {
  const url = new URL(baseUrl);
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** `sentAt`: when the request went out; undefined when it never did (no credential to send). */
type Attempt = { sentAt?: number } & (
  | { ok: true; status: number; body: unknown }
  | { ok: false; error: UpstreamError; retryableAsCreate: boolean; refusedAuth?: string }
);

export class Transport {
  readonly upstream: UpstreamName;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #pools: PoolRegistry;
  readonly #timeouts: Timeouts;
  readonly #retry: RetryPolicy;
  readonly #parseErrorBody: TransportOptions['parseErrorBody'];
  readonly #logger: Logger;
  readonly #metrics: UpstreamMetrics;
  readonly #redactor: Redactor;
  readonly #random: () => number;

  constructor(options: TransportOptions) {
    this.upstream = options.upstream;
    const { origin, basePath } = splitBaseUrl(options.baseUrl);
    this.#origin = origin;
    this.#basePath = basePath;
    this.#pools = options.pools ?? defaultPools;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#parseErrorBody = options.parseErrorBody;
    this.#logger = options.logger ?? silentLogger;
    this.#metrics = options.metrics ?? unmeasured;
    this.#redactor = options.redactor ?? processRedactor;
    this.#random = options.random ?? Math.random;
  }

  async call<T>(options: CallOptions<T>): Promise<T> {
    const started = Date.now();
    const deadline = started + this.#timeouts.totalMs;
    let refreshedAuth = false;

    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt(options, attempt, deadline);
      if (outcome.sentAt !== undefined) {
        this.#metrics.upstreamCall(
          this.upstream,
          options.operation,
          outcome.ok ? String(outcome.status) : String(outcome.error.status ?? outcome.error.kind),
          (performance.now() - outcome.sentAt) / 1000,
        );
      }
      if (outcome.ok) return this.#validate(options, outcome.body, attempt);

      const { error } = outcome;
      // An expired token is renewed once, without counting against the retry policy's judgement.
      if (outcome.refusedAuth && !refreshedAuth && options.auth?.refused?.(outcome.refusedAuth)) {
        refreshedAuth = true;
        this.#logger.debug(
          this.#logFields(options, attempt, error),
          'credential refused, renewing',
        );
        continue;
      }

      const canRepeat =
        error.retryable &&
        (options.retry === 'read' || outcome.retryableAsCreate) &&
        attempt < this.#retry.maxAttempts;
      const wait = canRepeat ? this.#delayBefore(attempt + 1, error) : undefined;
      if (wait === undefined || Date.now() + wait >= deadline) {
        throw error.withAttempts(attempt);
      }
      this.#metrics.upstreamRetry(this.upstream, options.operation);
      this.#logger.warn({ ...this.#logFields(options, attempt, error), waitMs: wait }, 'retrying');
      await sleep(wait);
    }
  }

  /** Exponential backoff with full jitter, or what Retry-After asked for when it is reasonable. */
  #delayBefore(nextAttempt: number, error: UpstreamError): number | undefined {
    if (error.retryAfterMs !== undefined) {
      return error.retryAfterMs <= this.#retry.maxRetryAfterMs ? error.retryAfterMs : undefined;
    }
    const ceiling = Math.min(
      this.#retry.maxDelayMs,
      this.#retry.baseDelayMs * 2 ** (nextAttempt - 2),
    );
    return Math.round(ceiling / 2 + (this.#random() * ceiling) / 2);
  }

  #url(options: CallOptions<unknown>): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) params.append(key, v);
      else params.append(key, String(value));
    }
    const qs = params.toString();
    return `${this.#basePath}${options.path}${qs ? `?${qs}` : ''}`;
  }

  async #attempt(
    options: CallOptions<unknown>,
    attempt: number,
    deadline: number,
  ): Promise<Attempt> {
    let sentAt: number | undefined;
    const fail = (
      details: Omit<
        ConstructorParameters<typeof UpstreamError>[0],
        'upstream' | 'method' | 'path' | 'attempts'
      >,
      retryableAsCreate: boolean,
      refusedAuth?: string,
    ): Attempt => ({
      ok: false,
      error: new UpstreamError({
        ...details,
        upstreamMessage: details.upstreamMessage && this.#redactor.text(details.upstreamMessage),
        upstream: this.upstream,
        method: options.method,
        path: options.path,
        attempts: attempt,
      }),
      retryableAsCreate,
      refusedAuth,
      sentAt,
    });

    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }

    let authorization: string | undefined;
    if (options.auth) {
      try {
        authorization = await options.auth.authorization();
      } catch (err) {
        // The credential could not be obtained (the token endpoint failed): report that failure.
        if (err instanceof UpstreamError) return { ok: false, error: err, retryableAsCreate: true };
        throw err;
      }
      headers.authorization = authorization;
    }

    const budget = Math.min(this.#timeouts.attemptMs, deadline - Date.now());
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(1, budget));
    sentAt = performance.now();
    try {
      const response = await (await this.#pools.get(this.#origin)).request({
        method: options.method,
        path: this.#url(options),
        headers,
        body,
        signal: controller.signal,
        headersTimeout: this.#timeouts.headersMs,
        bodyTimeout: this.#timeouts.bodyMs,
      });
      const text = await readLimited(response.body);
      const status = response.statusCode;
      this.#logger.debug(
        {
          upstream: this.upstream,
          operation: options.operation,
          method: options.method,
          path: options.path,
          status,
          attempt,
          ms: Math.round(performance.now() - sentAt),
        },
        'upstream call',
      );
      const parsed = parseJson(text);

      if (status >= 200 && status < 300) {
        if (parsed.ok) return { ok: true, status, body: parsed.value, sentAt };
        return fail(
          {
            kind: 'bad_response',
            status,
            upstreamMessage: 'response body is not valid JSON',
            outcomeUnknown: mayHaveCreated(options),
          },
          false,
        );
      }

      const said = parsed.ok ? this.#parseErrorBody(parsed.value) : undefined;
      const retryAfterHeader = response.headers['retry-after'];
      return fail(
        {
          kind: kindForStatus(status),
          status,
          code: said?.code,
          upstreamMessage: said?.message,
          retryAfterMs: parseRetryAfter(
            Array.isArray(retryAfterHeader) ? retryAfterHeader[0] : retryAfterHeader,
          ),
          // 429 and 503 mean the request was turned away; other 5xx may have been half-done.
          outcomeUnknown: status >= 500 && status !== 503,
        },
        status === 429 || status === 503,
        status === 401 ? authorization : undefined,
      );
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        return fail(
          {
            kind: 'bad_response',
            cause: 'body_too_large',
            outcomeUnknown: mayHaveCreated(options),
          },
          false,
        );
      }
      const code = errorCode(err);
      if (controller.signal.aborted || TIMEOUT_CODES.has(code)) {
        // A connect timeout never reached the upstream; any later timeout may have been applied.
        const connectPhase = code === 'UND_ERR_CONNECT_TIMEOUT';
        return fail(
          { kind: 'timeout', cause: code || 'deadline', outcomeUnknown: !connectPhase },
          connectPhase,
        );
      }
      if (
        code === 'UND_ERR_REQ_RETRY' &&
        typeof (err as { statusCode?: unknown }).statusCode === 'number'
      ) {
        const status = (err as { statusCode: number }).statusCode;
        return fail({ kind: kindForStatus(status), status, cause: code }, false);
      }
      const refused = CONNECT_REFUSED_CODES.has(code);
      return fail({ kind: 'network', cause: code || 'unknown', outcomeUnknown: !refused }, refused);
    } finally {
      clearTimeout(timer);
    }
  }

  #validate<T>(options: CallOptions<T>, body: unknown, attempt: number): T {
    const result = options.response.safeParse(body);
    if (result.success) return result.data;
    const problems = result.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
      .join('; ');
    throw new UpstreamError({
      kind: 'bad_response',
      upstream: this.upstream,
      method: options.method,
      path: options.path,
      attempts: attempt,
      upstreamMessage: `unexpected response body: ${problems}`,
      outcomeUnknown: mayHaveCreated(options),
    });
  }

  #logFields(options: CallOptions<unknown>, attempt: number, error: UpstreamError) {
    return {
      upstream: this.upstream,
      operation: options.operation,
      method: options.method,
      path: options.path,
      attempt,
      kind: error.kind,
      status: error.status,
      code: error.code,
    };
  }
}

/**
 * An answer the client cannot read says nothing of what the upstream did: a create that reached it
 * may have committed (a proxy cut the body short, the upstream changed its format). Reads, and
 * writes a repeat cannot duplicate, need no look-up before they are repeated.
 */
function mayHaveCreated(options: CallOptions<unknown>): boolean {
  return options.retry === 'create';
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** Failures that prove the request never reached the upstream. */
const CONNECT_REFUSED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return '';
}

class BodyTooLargeError extends Error {}

async function readLimited(body: AsyncIterable<Uint8Array> & { destroy(): unknown }) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw new BodyTooLargeError();
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** An empty body is `undefined` (DELETE answers 204); unreadable JSON is reported, not thrown. */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** What one POST to a vendor's event endpoint came to: an answer, or why there was none. */
export type SingleAttempt =
  | { ok: true; status: number; excerpt: string }
  | { ok: false; error: 'timeout' | 'connection refused' | 'network error' | 'invalid url' };

/** How much of an endpoint's answer is kept beside the attempt. */
const EXCERPT_CHARS = 500;

/**
 * One POST, never repeated here: the event dispatcher retries across restarts on its own durable
 * schedule, and any answer (not only JSON) is what it records. Shares the pools (closed at
 * shutdown) and the stage timeouts of upstream calls; the error names a kind of failure, never the
 * URL, which may carry the vendor's own token.
 */
export async function postOnce(
  pools: PoolRegistry,
  url: string,
  request: { headers: Record<string, string>; body: string; timeoutMs: number },
): Promise<SingleAttempt> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, error: 'invalid url' };
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeoutMs);
  try {
    const response = await (await pools.get(target.origin)).request({
      method: 'POST',
      path: `${target.pathname}${target.search}`,
      headers: request.headers,
      body: request.body,
      signal: controller.signal,
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
    });
    // Only the start of the answer is kept; the rest is not read.
    let excerpt = '';
    for await (const chunk of response.body) {
      excerpt += Buffer.from(chunk).toString('utf8');
      if (excerpt.length >= EXCERPT_CHARS) {
        response.body.destroy();
        break;
      }
    }
    return { ok: true, status: response.statusCode, excerpt: excerpt.slice(0, EXCERPT_CHARS) };
  } catch (err) {
    const code = errorCode(err);
    if (controller.signal.aborted || TIMEOUT_CODES.has(code))
      return { ok: false, error: 'timeout' };
    if (CONNECT_REFUSED_CODES.has(code)) return { ok: false, error: 'connection refused' };
    return { ok: false, error: 'network error' };
  } finally {
    clearTimeout(timer);
  }
}
