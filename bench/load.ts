// The load generator: closed and open loops on undici, GraphQL over HTTP, GraphQL over SSE on
// node:http, and the statistics the tables are made of. Every loop is bounded in count and time.
import { type ClientRequest, Agent as HttpAgent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function latencies(values: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

export function median(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface HttpTarget {
  pool: Pool;
  path: string;
  headers: Record<string, string>;
}

export function pool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
}

export interface Answer {
  status: number;
  body: string;
}

export async function post(target: HttpTarget, body: string): Promise<Answer> {
  const res = await target.pool.request({
    method: 'POST',
    path: target.path,
    headers: target.headers,
    body,
  });
  return { status: res.statusCode, body: await res.body.text() };
}

/** A GraphQL answer that is a 200 without `errors`; the caller checks the data it expects. */
export function graphqlOk(answer: Answer): boolean {
  return answer.status === 200 && !answer.body.includes('"errors"');
}

export interface ClosedLoopResult {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU the server used in the counted window, per answer counted (ms), when `cpu` was given. */
  cpuPerRequest: number;
  firstError?: string;
}

/**
 * `connections` workers each send the next request as soon as the previous one is answered.
 * The first `warmupMs` are not counted.
 */
export async function closedLoop(options: {
  target: HttpTarget;
  body: () => string;
  ok: (answer: Answer) => boolean;
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** The server's CPU time so far (ms), sampled at the window's start and end. */
  cpu?: () => number;
}): Promise<ClosedLoopResult> {
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const end = measureFrom + options.durationMs;
  // Sampled by the first worker to cross each edge of the window (a timer could fire late).
  let cpuAtStart = Number.NaN;
  let cpuAtEnd = Number.NaN;
  const times: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const worker = async () => {
    for (;;) {
      const sent = performance.now();
      if (options.cpu && sent >= measureFrom && Number.isNaN(cpuAtStart))
        cpuAtStart = options.cpu();
      if (sent >= end) {
        if (options.cpu && Number.isNaN(cpuAtEnd)) cpuAtEnd = options.cpu();
        return;
      }
      let good = false;
      let detail = '';
      try {
        const answer = await post(options.target, options.body());
        good = options.ok(answer);
        if (!good) detail = `${answer.status} ${answer.body.slice(0, 300)}`;
      } catch (error) {
        detail = String(error);
      }
      const done = performance.now();
      if (sent < measureFrom || done > end) continue;
      if (good) times.push(done - sent);
      else {
        errors++;
        firstError ??= detail;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  const seconds = options.durationMs / 1000;
  return {
    requests: times.length,
    errors,
    seconds,
    perSecond: times.length / seconds,
    ...latencies(times),
    cpuPerRequest: (cpuAtEnd - cpuAtStart) / times.length,
    firstError,
  };
}

export interface OpenLoopResult {
  sent: number;
  ok: number;
  errors: number;
  /** Requests still unanswered when the loop gave up on them. */
  unanswered: number;
  p50: number;
  p99: number;
  max: number;
  /** How late the generator was, at worst, in sending a request on its schedule (ms). */
  maxSendLag: number;
  firstError?: string;
}

/**
 * Sends `rate` requests per second on a fixed schedule, whatever the answers do (open loop).
 * Latency runs from each request's scheduled time, so a generator that falls behind cannot hide
 * a slow server (no coordinated omission).
 */
export async function openLoop(options: {
  rate: number;
  durationMs: number;
  send: (i: number) => Promise<boolean | string>;
  /** How long to wait for the last answers after the schedule ends. */
  drainMs?: number;
}): Promise<OpenLoopResult> {
  const count = Math.max(1, Math.round((options.rate * options.durationMs) / 1000));
  const interval = 1000 / options.rate;
  const start = performance.now() + 5;
  const times: number[] = [];
  let errors = 0;
  let answered = 0;
  let maxSendLag = 0;
  let firstError: string | undefined;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0.5) await sleep(wait);
    // Behind schedule: still let answers in now and then.
    else if (i % 32 === 0) await new Promise((resolve) => setImmediate(resolve));
    maxSendLag = Math.max(maxSendLag, performance.now() - due);
    pending.push(
      options.send(i).then(
        (result) => {
          answered++;
          if (result === true) times.push(performance.now() - due);
          else {
            errors++;
            firstError ??= String(result);
          }
        },
        (error: unknown) => {
          answered++;
          errors++;
          firstError ??= String(error);
        },
      ),
    );
  }
  await Promise.race([Promise.all(pending), sleep(options.drainMs ?? 30_000)]);
  return {
    sent: count,
    ok: times.length,
    errors,
    unanswered: count - answered,
    ...latencies(times),
    maxSendLag,
    firstError,
  };
}

/** Runs `task` over `items` with at most `concurrency` at a time; stops early at `deadline`. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
  deadline = Number.POSITIVE_INFINITY,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && performance.now() < deadline) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export interface SseEvent<T> {
  at: number;
  data?: T;
  errors?: unknown[];
}

export interface SseSubscription<T> {
  /** Resolves when the server accepted the subscription (200 and the stream open). */
  opened: Promise<void>;
  /** Resolves at the first event (the current state), rejects when refused. */
  first: Promise<SseEvent<T>>;
  events: SseEvent<T>[];
  /** Set when the stream ended or failed before close() was called. */
  ended?: string;
  onEvent?: (event: SseEvent<T>) => void;
  close(): void;
}

const sseAgent = new HttpAgent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

/** GraphQL over SSE (yoga's distinct-connections mode): one POST and one socket per subscription. */
export function subscribeSse<T>(
  url: string,
  headers: Record<string, string>,
  query: string,
  variables: Record<string, unknown>,
): SseSubscription<T> {
  const body = JSON.stringify({ query, variables });
  let closed = false;
  let req: ClientRequest | undefined;
  let resolveFirst!: (event: SseEvent<T>) => void;
  let rejectFirst!: (error: Error) => void;
  const first = new Promise<SseEvent<T>>((resolve, reject) => {
    resolveFirst = resolve;
    rejectFirst = reject;
  });
  first.catch(() => {});
  let resolveOpened!: () => void;
  let rejectOpened!: (error: Error) => void;
  const opened = new Promise<void>((resolve, reject) => {
    resolveOpened = resolve;
    rejectOpened = reject;
  });
  opened.catch(() => {});
  const sub: SseSubscription<T> = {
    opened,
    first,
    events: [],
    close() {
      closed = true;
      req?.destroy();
    },
  };
  const fail = (why: string) => {
    if (closed) return;
    sub.ended ??= why;
    rejectOpened(new Error(why));
    rejectFirst(new Error(why));
  };
  req = httpRequest(
    `${url}/graphql`,
    {
      method: 'POST',
      agent: sseAgent,
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'content-length': Buffer.byteLength(body),
      },
    },
    (res) => {
      if (res.statusCode !== 200) {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => fail(`refused: ${res.statusCode} ${text.slice(0, 300)}`));
        return;
      }
      resolveOpened();
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        const at = performance.now();
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          let data = '';
          for (const line of frame.split('\n')) {
            if (line.startsWith('data:')) data += line.slice(5).trim();
          }
          if (!data) continue;
          try {
            const payload = JSON.parse(data) as { data?: T; errors?: unknown[] };
            const event: SseEvent<T> = { at, data: payload.data, errors: payload.errors };
            sub.events.push(event);
            if (sub.events.length === 1) resolveFirst(event);
            sub.onEvent?.(event);
          } catch {
            // A frame that is not JSON: not a GraphQL result.
          }
        }
      });
      res.on('end', () => fail('stream ended'));
      res.on('error', (error) => fail(`stream failed: ${error.message}`));
    },
  );
  req.on('error', (error) => fail(`request failed: ${error.message}`));
  req.end(body);
  return sub;
}
