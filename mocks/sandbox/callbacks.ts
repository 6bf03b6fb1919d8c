// The calls the fake upstreams make to the gateway (SendZen's signup webhook, Sinch's provisioning
// callbacks): at-least-once, retried on a non-2xx answer or a network error, every attempt journaled.
import { request } from 'undici';
import { signCallback } from '../../src/upstreams/sinch/signature.ts';
import type { Journal, OutboundKind } from './journal.ts';
import type { Timers } from './timers.ts';
import type { UpstreamName } from './upstreams.ts';

export interface Delivery {
  kind: OutboundKind;
  upstream: UpstreamName;
  target: string;
  body: string;
  /**
   * Signs each attempt (Sinch's callback HMAC) with a fresh timestamp and nonce. A plain value
   * rather than a function, so a delivery still pending can be saved and resumed after a restart.
   */
  signingSecret?: string;
}

/** A delivery not yet acknowledged, and the attempt it is waiting to make. */
export interface PendingDelivery {
  delivery: Delivery;
  nextAttempt: number;
}

/** A receiver slower than this counts as failed, as a real sender would give up on it. */
const ATTEMPT_TIMEOUT_MS = 10_000;

export class CallbackDeliveries {
  readonly #journal: Journal;
  readonly #timers: Timers;
  readonly #retryDelays: () => readonly number[];
  readonly #nonce: () => string;
  readonly #inFlight = new Set<AbortController>();
  readonly #pending = new Map<Delivery, number>();
  /** Bumped by cancelAll, so an attempt that was already running does not schedule a retry. */
  #generation = 0;
  /** Told whenever the set of pending deliveries changes (the sandbox's state file). */
  changed: () => void = () => {};

  constructor(
    journal: Journal,
    timers: Timers,
    retryDelays: () => readonly number[],
    nonce: () => string,
  ) {
    this.#journal = journal;
    this.#timers = timers;
    this.#retryDelays = retryDelays;
    this.#nonce = nonce;
  }

  send(delivery: Delivery): void {
    this.#pending.set(delivery, 1);
    this.changed();
    void this.#attempt(delivery, 1, this.#generation);
  }

  /** Deliveries started before a restart: each tries again after the first retry delay. */
  resume(pending: readonly PendingDelivery[]): void {
    const generation = this.#generation;
    const wait = this.#retryDelays()[0] ?? 0;
    for (const { delivery, nextAttempt } of pending) {
      this.#pending.set(delivery, nextAttempt);
      this.#timers.after(wait, () => void this.#attempt(delivery, nextAttempt, generation));
    }
    if (pending.length > 0) this.changed();
  }

  /** What is still to be delivered: an attempt in flight counts as not delivered yet. */
  pending(): PendingDelivery[] {
    return [...this.#pending].map(([delivery, nextAttempt]) => ({ delivery, nextAttempt }));
  }

  cancelAll(): void {
    this.#generation++;
    for (const controller of this.#inFlight) controller.abort();
    this.#inFlight.clear();
    this.#pending.clear();
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
          ...(delivery.signingSecret
            ? signCallback({
                secret: delivery.signingSecret,
                rawBody: delivery.body,
                nonce: this.#nonce(),
              })
            : {}),
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
    const wait = this.#retryDelays()[attempt - 1];
    if ((status !== undefined && status >= 200 && status < 300) || wait === undefined) {
      this.#pending.delete(delivery);
      this.changed();
      return;
    }
    this.#pending.set(delivery, attempt + 1);
    this.changed();
    this.#timers.after(wait, () => void this.#attempt(delivery, attempt + 1, generation));
  }
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
}
