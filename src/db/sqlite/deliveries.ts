// Webhook deliveries in SQLite: stored before they are acknowledged, deduplicated by their key.
import type Database from 'better-sqlite3';
import { type WebhookDeliveryRow, type WebhookSource, webhookDeliveries } from '../schema.ts';
import type { DeliveryStore, IncomingDelivery } from '../store.ts';
import { rowCodec } from './rows.ts';

const deliveryRow = rowCodec<WebhookDeliveryRow>(webhookDeliveries);

export class SqliteDeliveryStore implements DeliveryStore {
  readonly #s;

  constructor(sqlite: Database.Database) {
    this.#s = {
      insert: sqlite.prepare(
        `insert into webhook_deliveries (source, dedup_key, nonce, onboarding_ref, body, received_at)
         values (@source, @dedupKey, @nonce, @onboardingRef, @body, @receivedAt)
         on conflict do nothing returning id`,
      ),
      nonce: sqlite.prepare('select 1 from webhook_deliveries where source = ? and nonce = ?'),
      get: sqlite.prepare(`select ${deliveryRow.select} from webhook_deliveries where id = ?`),
      processed: sqlite.prepare(
        'update webhook_deliveries set processed_at = ?, outcome = ? where id = ?',
      ),
      pending: sqlite.prepare(
        `select d.id from webhook_deliveries d join onboardings o on o.id = d.onboarding_ref
          where d.processed_at is null and d.received_at < ? order by d.id`,
      ),
    };
  }

  async insert(delivery: IncomingDelivery, receivedAt: number): Promise<number | undefined> {
    const row = this.#s.insert.get({
      source: delivery.source,
      dedupKey: delivery.dedupKey,
      nonce: delivery.nonce ?? null,
      onboardingRef: delivery.onboardingRef,
      body: JSON.stringify(delivery.body),
      receivedAt,
    }) as { id: number } | undefined;
    return row?.id;
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

  async pendingIds(receivedBefore = Number.MAX_SAFE_INTEGER): Promise<number[]> {
    return (this.#s.pending.all(receivedBefore) as { id: number }[]).map((r) => r.id);
  }
}
