// Webhook deliveries in PostgreSQL: stored before they are acknowledged, deduplicated by their key
// across every instance (the unique index decides which instance's insert stores a repeat).
import { and, eq, isNull, lt } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { WebhookDeliveryRow, WebhookSource } from '../schema.ts';
import type { DeliveryStore, IncomingDelivery } from '../store.ts';
import { withoutParams } from './rows.ts';
import * as schema from './schema.ts';

const { webhookDeliveries, onboardings } = schema;
type Db = NodePgDatabase<typeof schema>;

export class PgDeliveryStore implements DeliveryStore {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  insert(delivery: IncomingDelivery, receivedAt: number): Promise<number | undefined> {
    return withoutParams(async () => {
      const [row] = await this.#db
        .insert(webhookDeliveries)
        .values({
          source: delivery.source,
          dedupKey: delivery.dedupKey,
          nonce: delivery.nonce ?? null,
          onboardingRef: delivery.onboardingRef,
          body: delivery.body,
          receivedAt,
        })
        .onConflictDoNothing()
        .returning({ id: webhookDeliveries.id });
      return row?.id;
    });
  }

  nonceSeen(source: WebhookSource, nonce: string): Promise<boolean> {
    return withoutParams(async () => {
      const rows = await this.#db
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.source, source), eq(webhookDeliveries.nonce, nonce)))
        .limit(1);
      return rows.length > 0;
    });
  }

  get(id: number): Promise<WebhookDeliveryRow | undefined> {
    return withoutParams(async () => {
      const [row] = await this.#db
        .select()
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.id, id));
      return row;
    });
  }

  markProcessed(id: number, outcome: string, at: number): Promise<void> {
    return withoutParams(async () => {
      await this.#db
        .update(webhookDeliveries)
        .set({ processedAt: at, outcome })
        .where(eq(webhookDeliveries.id, id));
    });
  }

  pendingIds(receivedBefore = Number.MAX_SAFE_INTEGER): Promise<number[]> {
    return withoutParams(async () => {
      const rows = await this.#db
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .innerJoin(onboardings, eq(onboardings.id, webhookDeliveries.onboardingRef))
        .where(
          and(
            isNull(webhookDeliveries.processedAt),
            lt(webhookDeliveries.receivedAt, receivedBefore),
          ),
        )
        .orderBy(webhookDeliveries.id);
      return rows.map((r) => r.id);
    });
  }
}
