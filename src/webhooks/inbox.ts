// Every webhook delivery is stored before it is acknowledged, and processed after: a crash between
// the two loses nothing (pending deliveries are processed at start), and a repeat of the same event
// is recognised by its dedup key and applied once.
import { and, desc, eq, isNull, lt, notInArray } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import {
  onboardings,
  type WebhookDeliveryRow,
  type WebhookSource,
  webhookDeliveries,
} from '../db/schema.ts';
import type { GatewayLogger } from '../logger.ts';
import { redactFields } from '../upstreams/redact.ts';

export const UNKNOWN_ONBOARDING = 'unknown_onboarding';

export interface IncomingDelivery {
  source: WebhookSource;
  dedupKey: string;
  nonce?: string;
  onboardingRef: string;
  body: unknown;
}

/**
 * Deliveries for onboardings we do not know are kept (they may explain something later), but
 * anyone can send them: keep a week's worth, and at most this many.
 */
export const UNKNOWN_RETENTION = { maxAgeMs: 7 * 24 * 60 * 60 * 1000, maxCount: 10_000 };

/** Applies a stored delivery; returns a short outcome recorded beside it. */
export type DeliveryHandler = (delivery: WebhookDeliveryRow) => string | Promise<string>;

export class WebhookInbox {
  readonly #db: Db;
  readonly #logger: GatewayLogger;
  readonly #handlers: Record<WebhookSource, DeliveryHandler>;
  readonly #now: () => number;
  readonly #pending = new Set<Promise<void>>();
  readonly #retention: typeof UNKNOWN_RETENTION;

  constructor(options: {
    db: Db;
    logger: GatewayLogger;
    handlers: Record<WebhookSource, DeliveryHandler>;
    now: () => number;
    unknownRetention?: typeof UNKNOWN_RETENTION;
  }) {
    this.#db = options.db;
    this.#logger = options.logger;
    this.#handlers = options.handlers;
    this.#now = options.now;
    this.#retention = options.unknownRetention ?? UNKNOWN_RETENTION;
  }

  /** Stores a delivery for an onboarding we do not know, dropping the oldest beyond the retention. */
  storeUnknown(delivery: IncomingDelivery): void {
    const unknown = eq(webhookDeliveries.outcome, UNKNOWN_ONBOARDING);
    this.#db.transaction((tx) => {
      tx.delete(webhookDeliveries)
        .where(
          and(unknown, lt(webhookDeliveries.receivedAt, this.#now() - this.#retention.maxAgeMs)),
        )
        .run();
      this.store(delivery, UNKNOWN_ONBOARDING);
      const keep = tx
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(unknown)
        .orderBy(desc(webhookDeliveries.id))
        .limit(this.#retention.maxCount)
        .all()
        .map((r) => r.id);
      tx.delete(webhookDeliveries)
        .where(and(unknown, notInArray(webhookDeliveries.id, keep)))
        .run();
    });
  }

  /**
   * Stores a delivery; `undefined` when the same event was stored before. What is stored has every
   * secret-named field redacted (a sender callback carries its bearer token): the body as received
   * is applied from memory by `processSoon`.
   */
  store(delivery: IncomingDelivery, outcome?: string): number | undefined {
    const row = this.#db
      .insert(webhookDeliveries)
      .values({
        source: delivery.source,
        dedupKey: delivery.dedupKey,
        nonce: delivery.nonce ?? null,
        onboardingRef: delivery.onboardingRef,
        body: redactFields(delivery.body),
        receivedAt: this.#now(),
        outcome: outcome ?? null,
      })
      .onConflictDoNothing()
      .returning({ id: webhookDeliveries.id })
      .get();
    return row?.id;
  }

  nonceSeen(source: WebhookSource, nonce: string): boolean {
    return (
      this.#db
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.source, source), eq(webhookDeliveries.nonce, nonce)))
        .get() !== undefined
    );
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
    const delivery = this.#db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.id, id))
      .get();
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
    this.#db
      .update(webhookDeliveries)
      .set({ processedAt: this.#now(), outcome })
      .where(eq(webhookDeliveries.id, id))
      .run();
  }

  /** Deliveries stored but not processed (the process stopped in between) whose onboarding exists. */
  async processPending(): Promise<void> {
    const pending = this.#db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .innerJoin(onboardings, eq(onboardings.id, webhookDeliveries.onboardingRef))
      .where(isNull(webhookDeliveries.processedAt))
      .all();
    for (const { id } of pending) await this.process(id);
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}
