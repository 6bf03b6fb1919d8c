// Every webhook delivery is stored before it is acknowledged, and processed after: a crash between
// the two loses nothing (pending deliveries are processed at start), and a repeat of the same event
// is recognised by its dedup key and applied once.
import type { WebhookDeliveryRow, WebhookSource } from '../db/schema.ts';
import type { DeliveryStore, IncomingDelivery } from '../db/store.ts';
import type { GatewayLogger } from '../logger.ts';
import { redactFields } from '../upstreams/redact.ts';

/** Applies a stored delivery; returns a short outcome recorded beside it. */
export type DeliveryHandler = (delivery: WebhookDeliveryRow) => string | Promise<string>;

export class WebhookInbox {
  readonly #store: DeliveryStore;
  readonly #logger: GatewayLogger;
  readonly #handlers: Record<WebhookSource, DeliveryHandler>;
  readonly #now: () => number;
  readonly #pending = new Set<Promise<void>>();
  #sweep: NodeJS.Timeout | undefined;

  constructor(options: {
    store: DeliveryStore;
    logger: GatewayLogger;
    handlers: Record<WebhookSource, DeliveryHandler>;
    now: () => number;
  }) {
    this.#store = options.store;
    this.#logger = options.logger;
    this.#handlers = options.handlers;
    this.#now = options.now;
  }

  /**
   * Stores a delivery; `undefined` when the same event was stored before. What is stored has every
   * secret-named field redacted (a sender callback carries its bearer token): the body as received
   * is applied from memory by `processSoon`.
   */
  store(delivery: IncomingDelivery): Promise<number | undefined> {
    return this.#store.insert({ ...delivery, body: redactFields(delivery.body) }, this.#now());
  }

  nonceSeen(source: WebhookSource, nonce: string): Promise<boolean> {
    return this.#store.nonceSeen(source, nonce);
  }

  /** Processes after the HTTP answer has gone out, with the body as it was received. */
  processSoon(id: number, body: unknown): void {
    const work = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.process(id, body),
    );
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  /**
   * Applies a stored delivery. Without `body` (after a restart) it applies the stored, redacted
   * body: handlers must treat a redacted value as absent.
   */
  async process(id: number, body?: unknown): Promise<void> {
    const delivery = await this.#store.get(id);
    if (!delivery || delivery.processedAt !== null) return;
    let outcome: string;
    try {
      outcome = await this.#handlers[delivery.source]({ ...delivery, body: body ?? delivery.body });
    } catch (error) {
      // Recorded, not retried: a delivery that cannot be applied would fail the same way again.
      outcome = `error: ${error instanceof Error ? error.message : String(error)}`;
      this.#logger.error(
        { deliveryId: id, source: delivery.source, outcome },
        'webhook processing failed',
      );
    }
    await this.#store.markProcessed(id, outcome, this.#now());
  }

  /** Deliveries stored but not processed (the process stopped in between) whose onboarding exists. */
  async processPending(receivedBefore?: number): Promise<void> {
    for (const id of await this.#store.pendingIds(receivedBefore)) await this.process(id);
  }

  /**
   * With several instances, the one that stored a delivery may die before it processes it, and
   * no restart of that instance may come: every `everyMs` each instance processes what has waited
   * that long. Applying a delivery twice is harmless (a repeated signup or sender report changes
   * nothing), so two instances sweeping at once need no claim.
   */
  sweepEvery(everyMs: number): void {
    clearInterval(this.#sweep);
    this.#sweep = setInterval(() => {
      this.processPending(this.#now() - everyMs).catch((error: unknown) =>
        this.#logger.warn(
          { error: error instanceof Error ? error.message : String(error) },
          'could not process waiting webhook deliveries; will look again',
        ),
      );
    }, everyMs);
    this.#sweep.unref();
  }

  stopSweeping(): void {
    clearInterval(this.#sweep);
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}
