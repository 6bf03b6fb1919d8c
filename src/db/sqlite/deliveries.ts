// Webhook deliveries in SQLite: stored before they are acknowledged, deduplicated by their key.
import type Database from 'better-sqlite3';
import { type WebhookDeliveryRow, type WebhookSource, webhookDeliveries } from '../schema.ts';
import type { DeliveryStore, IncomingDelivery } from '../store.ts';
import { rowCodec } from './rows.ts';

const deliveryRow = rowCodec<WebhookDeliveryRow>(webhookDeliveries);

export class SqliteDeliveryStore implements DeliveryStore {
  readonly #s;
  readonly #bounded: Database.Transaction<
    (
      delivery: IncomingDelivery,
      receivedAt: number,
      outcome: string,
      retention: { maxAgeMs: number; maxCount: number },
    ) => void
  >;

  constructor(sqlite: Database.Database) {
    const s = {
      insert: sqlite.prepare(
        `insert into webhook_deliveries (source, dedup_key, nonce, onboarding_ref, body, received_at, outcome)
         values (@source, @dedupKey, @nonce, @onboardingRef, @body, @receivedAt, @outcome)
         on conflict do nothing returning id`,
      ),
      dropOlder: sqlite.prepare(
        'delete from webhook_deliveries where outcome = ? and received_at < ?',
      ),
      dropBeyond: sqlite.prepare(
        `delete from webhook_deliveries where outcome = @outcome and id not in
           (select id from webhook_deliveries where outcome = @outcome order by id desc limit @keep)`,
      ),
      nonce: sqlite.prepare('select 1 from webhook_deliveries where source = ? and nonce = ?'),
      get: sqlite.prepare(`select ${deliveryRow.select} from webhook_deliveries where id = ?`),
      processed: sqlite.prepare(
        'update webhook_deliveries set processed_at = ?, outcome = ? where id = ?',
      ),
      pending: sqlite.prepare(
        `select d.id from webhook_deliveries d join onboardings o on o.id = d.onboarding_ref
          where d.processed_at is null order by d.id`,
      ),
    };
    this.#s = s;
    this.#bounded = sqlite.transaction((delivery, receivedAt, outcome, retention) => {
      s.dropOlder.run(outcome, receivedAt - retention.maxAgeMs);
      this.#insert(delivery, receivedAt, outcome);
      s.dropBeyond.run({ outcome, keep: retention.maxCount });
    });
  }

  #insert(delivery: IncomingDelivery, receivedAt: number, outcome?: string): number | undefined {
    const row = this.#s.insert.get({
      source: delivery.source,
      dedupKey: delivery.dedupKey,
      nonce: delivery.nonce ?? null,
      onboardingRef: delivery.onboardingRef,
      body: JSON.stringify(delivery.body),
      receivedAt,
      outcome: outcome ?? null,
    }) as { id: number } | undefined;
    return row?.id;
  }

  async insert(
    delivery: IncomingDelivery,
    receivedAt: number,
    outcome?: string,
  ): Promise<number | undefined> {
    return this.#insert(delivery, receivedAt, outcome);
  }

  async insertBounded(
    delivery: IncomingDelivery,
    receivedAt: number,
    outcome: string,
    retention: { maxAgeMs: number; maxCount: number },
  ): Promise<void> {
    this.#bounded.immediate(delivery, receivedAt, outcome, retention);
  }

  async nonceSeen(source: WebhookSource, nonce: string): Promise<boolean> {
    return this.#s.nonce.get(source, nonce) !== undefined;
  }

  async get(id: number): Promise<WebhookDeliveryRow | undefined> {
    const raw = this.#s.get.get(id) as Record<string, unknown> | undefined;
    return raw ? deliveryRow.fromRaw(raw) : undefined;
  }

  async markProcessed(id: number, outcome: string, at: number): Promise<void> {
    this.#s.processed.run(at, outcome, id);
  }

  async pendingIds(): Promise<number[]> {
    return (this.#s.pending.all() as { id: number }[]).map((r) => r.id);
  }
}
