// The calls the fake upstreams make to the gateway (SendZen's signup webhook, Sinch's provisioning
// callbacks): at-least-once, retried on a non-2xx answer or a network error, every attempt journaled.
import { request } from 'undici';
import type { Journal, OutboundKind } from './journal.ts';
import type { Timers } from './timers.ts';
import type { UpstreamName } from './upstreams.ts';

export interface Delivery {
  kind: OutboundKind;
  upstream: UpstreamName;
  target: string;
  body: string;
  /** Built per attempt: signatures carry a fresh timestamp and nonce each time. */
  headers?: () => Record<string, string>;
}

/** A receiver slower than this counts as failed, as a real sender would give up on it. */
const ATTEMPT_TIMEOUT_MS = 10_000;

export class CallbackDeliveries {
  readonly #journal: Journal;
  readonly #timers: Timers;
  readonly #retryDelays: () => readonly number[];
  readonly #inFlight = new Set<AbortController>();
  /** Bumped by cancelAll, so an attempt that was already running does not schedule a retry. */
  #generation = 0;

  constructor(journal: Journal, timers: Timers, retryDelays: () => readonly number[]) {
    this.#journal = journal;
    this.#timers = timers;
    this.#retryDelays = retryDelays;
  }

  send(delivery: Delivery): void {
    void this.#attempt(delivery, 1, this.#generation);
  }

  cancelAll(): void {
    this.#generation++;
    for (const controller of this.#inFlight) controller.abort();
    this.#inFlight.clear();
  }

  async #attempt(delivery: Delivery, attempt: number, generation: number): Promise<void> {
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const started = performance.now();
    let status: number | undefined;
    let error: string | undefined;
    try {
      // undici's request rather than fetch: a third of the cost, which matters when the sandbox
      // onboards hundreds of customers a second. It follows no redirect.
      const response = await request(delivery.target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'bundled-fake-upstreams',
          ...delivery.headers?.(),
        },
        body: delivery.body,
        signal: controller.signal,
        headersTimeout: ATTEMPT_TIMEOUT_MS,
        bodyTimeout: ATTEMPT_TIMEOUT_MS,
      });
      status = response.statusCode;
      await response.body.dump();
    } catch (cause) {
      error = describe(cause);
    } finally {
      this.#inFlight.delete(controller);
    }
    if (generation !== this.#generation) return;

    this.#journal.outbound({
      upstream: delivery.upstream,
      kind: delivery.kind,
      target: delivery.target,
      attempt,
      status,
      error,
      durationMs: Math.round(performance.now() - started),
    });
    if (status !== undefined && status >= 200 && status < 300) return;

    const wait = this.#retryDelays()[attempt - 1];
    if (wait === undefined) return;
    this.#timers.after(wait, () => void this.#attempt(delivery, attempt + 1, generation));
  }
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
}
