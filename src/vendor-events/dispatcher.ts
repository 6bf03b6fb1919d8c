// Sends the stored event deliveries to the vendor's endpoints. Like the step runner, it holds
// nothing a crash could lose: a delivery is stored with its event, claimed here for one attempt
// (a lease, so instances sharing PostgreSQL never send the same attempt twice, and a dead
// instance's claim runs out), POSTed outside any transaction, and its outcome recorded with the
// attempt. A failure is retried on a doubling schedule kept in the row, so retries continue
// across restarts; after the last attempt the delivery is FAILED and waits for a replay.
//
// It sleeps until the next delivery falls due, and wakes when a commit in this process stores new
// ones (the store's `onEnqueued`), rather than polling. Delivery is at least once: an attempt cut
// off by a crash after the endpoint received it is sent again, with the same `gateway-event-id`.
import type { VendorEventSettings } from '../config.ts';
import type { EventEndpointStore } from '../db/store.ts';
import type { GatewayLogger } from '../logger.ts';
import type { Sealer } from '../secrets/seal.ts';
import { type PoolRegistry, postOnce } from '../upstreams/http.ts';
import { SIGNATURE_HEADER, signatureHeader } from './contract.ts';
import { openEndpointSecret } from './endpoints.ts';

/** Longest sleep between looks at the store: heals a lost wake-up, and sees other instances' work. */
const MAX_IDLE_MS = 30_000;

/** Attempts in flight at once, across endpoints (one per endpoint and onboarding, by the store's order). */
const CONCURRENCY = 16;

const USER_AGENT = 'whatsapp-onboarding-gateway-events/1';

export interface DispatcherDeps {
  store: EventEndpointStore;
  sealer: Sealer;
  pools: PoolRegistry;
  logger: GatewayLogger;
  now: () => number;
  settings: VendorEventSettings;
}

/** The wait before attempt `attempts + 1`, after `attempts` failed: base · 2^(attempts−1), capped. */
export function retryDelay(settings: VendorEventSettings, attempts: number): number {
  return Math.min(settings.retryBaseMs * 2 ** Math.max(0, attempts - 1), settings.retryMaxMs);
}

export class EventDispatcher {
  readonly #deps: DispatcherDeps;
  readonly #inFlight = new Map<string, Promise<void>>();
  #instanceId = 'gateway';
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #ticking = false;
  #tickAgain = false;
  #stopped = true;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    deps.store.onEnqueued((at) => this.wakeAt(at));
  }

  async start(claims: { instanceId: string; shared: boolean }): Promise<void> {
    this.#instanceId = claims.instanceId;
    // Alone on the store, every claim was this instance's previous process's; shared, only those
    // in this instance's name are (the others' run out with their leases).
    await this.#deps.store.releaseClaims(claims.shared ? claims.instanceId : undefined);
    this.#stopped = false;
    this.wakeAt(0);
  }

  wakeAt(at: number): void {
    if (this.#stopped || at >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    // A millisecond late rather than early, as the runner's: a look must find the delivery due.
    this.#timer = setTimeout(() => void this.#tick(), Math.max(0, at - this.#deps.now()) + 1);
  }

  /**
   * Claims nothing more and waits for the attempts in flight until `deadline`. An attempt still
   * in flight then keeps its claim: the next start (or, shared, its lease running out) sends it
   * again.
   */
  async stop(
    deadline = Number.POSITIVE_INFINITY,
  ): Promise<{ finished: number; abandoned: number }> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const waiting = this.#inFlight.size;
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<'time up'>((resolve) => {
      if (deadline === Number.POSITIVE_INFINITY) return;
      timer = setTimeout(() => resolve('time up'), Math.max(0, deadline - this.#deps.now()));
    });
    const outcome = await Promise.race([Promise.allSettled(this.#inFlight.values()), timeUp]);
    clearTimeout(timer);
    const abandoned = outcome === 'time up' ? this.#inFlight.size : 0;
    return { finished: waiting - abandoned, abandoned };
  }

  async #tick(): Promise<void> {
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (this.#stopped) return;
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    this.#ticking = true;
    const { store, now, logger } = this.#deps;
    try {
      const free = CONCURRENCY - this.#inFlight.size;
      if (free > 0) {
        for (const id of await store.dueDeliveries(now(), free + this.#inFlight.size)) {
          if (this.#inFlight.size >= CONCURRENCY) break;
          if (!this.#inFlight.has(id)) this.#launch(id);
        }
      }
      const next = await store.nextDueAt();
      if (next !== null && next > now()) this.wakeAt(next);
      // Due, yet nothing runs whose end would look again: it fell due during this look.
      else if (next !== null && this.#inFlight.size === 0) this.wakeAt(now() + 50);
      this.wakeAt(now() + MAX_IDLE_MS);
    } catch (error) {
      logger.error(
        { error: error instanceof Error ? error.message : String(error) },
        'event dispatcher could not read due deliveries',
      );
      this.wakeAt(now() + 1_000);
    } finally {
      this.#ticking = false;
      if (this.#tickAgain) {
        this.#tickAgain = false;
        this.wakeAt(0);
      }
    }
  }

  #launch(id: string): void {
    const work = this.#attempt(id)
      .catch((error: unknown) => {
        // The store failed (the attempt's outcome is not recorded): the claim runs out, and it
        // is sent again then.
        this.#deps.logger.error(
          { deliveryId: id, error: error instanceof Error ? error.message : String(error) },
          'event delivery could not be recorded',
        );
      })
      .finally(() => {
        this.#inFlight.delete(id);
        this.wakeAt(0);
      });
    this.#inFlight.set(id, work);
  }

  async #attempt(id: string): Promise<void> {
    const { store, sealer, pools, logger, now, settings } = this.#deps;
    const startedAt = now();
    // Longer than anything an attempt and its record can take, so a live claim never runs out.
    const claimed = await store.claim(
      id,
      this.#instanceId,
      startedAt,
      startedAt + 2 * settings.timeoutMs + 10_000,
    );
    if (!claimed) return;
    const { delivery } = claimed;
    const attempt = delivery.attempts + 1;
    const began = performance.now();
    let result: Awaited<ReturnType<typeof postOnce>> | { ok: false; error: string };
    try {
      const secret = openEndpointSecret(sealer, delivery.endpointId, claimed.secretSealed);
      const timestamp = Math.floor(now() / 1000);
      result = await postOnce(pools, claimed.url, {
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'gateway-event-id': String(delivery.eventId),
          'gateway-delivery-id': delivery.id,
          [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, delivery.body),
        },
        body: delivery.body,
        timeoutMs: settings.timeoutMs,
      });
    } catch {
      // Sealed under a key no longer configured: nothing to sign with until it is.
      result = { ok: false, error: 'signing secret cannot be opened' };
    }
    const at = now();
    const durationMs = Math.round(performance.now() - began);
    const delivered = result.ok && result.status >= 200 && result.status < 300;
    const givenUp = !delivered && attempt >= settings.maxAttempts;
    await store.record(delivery.id, this.#instanceId, {
      attempt: {
        at: startedAt,
        statusCode: result.ok ? result.status : null,
        responseExcerpt: result.ok ? result.excerpt : null,
        error: result.ok ? null : result.error,
        durationMs,
      },
      status: delivered ? 'DELIVERED' : givenUp ? 'FAILED' : 'PENDING',
      nextAttemptAt: delivered || givenUp ? null : at + retryDelay(settings, attempt),
      deliveredAt: delivered ? at : null,
    });
    if (!delivered) {
      // Never the URL (it may carry the vendor's token) nor anything signed.
      logger.warn(
        {
          deliveryId: delivery.id,
          endpointId: delivery.endpointId,
          onboardingId: delivery.onboardingId,
          attempt,
          ...(result.ok ? { status: result.status } : { error: result.error }),
          givenUp,
        },
        'event delivery failed',
      );
    }
  }
}
