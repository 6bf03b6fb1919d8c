// Event endpoints and their deliveries in SQLite. The deliveries themselves are inserted by the
// onboarding store (`insertEventDeliveries` below), inside the transaction that commits the event.
import type Database from 'better-sqlite3';
import { ulid } from '../../ids.ts';
import type { EnqueuedSignal } from '../enqueued.ts';
import {
  type EventDeliveryAttemptRow,
  type EventDeliveryRow,
  type EventEndpointRow,
  eventDeliveries,
  eventDeliveryAttempts,
  eventEndpoints,
} from '../schema.ts';
import type {
  ClaimedEventDelivery,
  EventDeliveryOutcome,
  EventEndpointStore,
  ListEventDeliveriesQuery,
  Page,
} from '../store.ts';
import { rowCodec } from './rows.ts';

const endpointRow = rowCodec<EventEndpointRow>(eventEndpoints);
const deliveryRow = rowCodec<EventDeliveryRow>(eventDeliveries);
const attemptRow = rowCodec<EventDeliveryAttemptRow>(eventDeliveryAttempts);

/** Only the oldest PENDING delivery per endpoint and onboarding is sendable: order is kept. */
const HEAD_OF_LINE = `not exists (select 1 from event_deliveries e
  where e.endpoint_id = d.endpoint_id and e.onboarding_id = d.onboarding_id
    and e.status = 'PENDING' and e.event_id < d.event_id)`;

/**
 * Prepared once per connection and used by the onboarding store inside its transactions: the
 * enabled endpoints for an onboarding (one indexed select, the whole cost of a change when there
 * are none), and the insert of one delivery.
 */
export function eventDeliveryStatements(sqlite: Database.Database) {
  return {
    endpointsFor: sqlite
      .prepare(
        `select id from event_endpoints
          where disabled_at is null and (onboarding_id is null or onboarding_id = ?)`,
      )
      .pluck(),
    insertDelivery: sqlite.prepare(
      `insert into event_deliveries
         (id, endpoint_id, onboarding_id, event_id, event_type, body, status, attempts, next_attempt_at, created_at)
       values (@id, @endpointId, @onboardingId, @eventId, @eventType, @body, 'PENDING', 0, @at, @at)
       on conflict do nothing`,
    ),
  };
}

export function insertEventDeliveries(
  s: ReturnType<typeof eventDeliveryStatements>,
  endpointIds: readonly string[],
  delivery: { onboardingId: string; eventId: number; eventType: string; body: string; at: number },
): void {
  for (const endpointId of endpointIds) {
    s.insertDelivery.run({ id: ulid(delivery.at), endpointId, ...delivery });
  }
}

export class SqliteEventEndpointStore implements EventEndpointStore {
  readonly #s;
  readonly #sqlite: Database.Database;
  readonly #enqueued: EnqueuedSignal;

  constructor(sqlite: Database.Database, enqueued: EnqueuedSignal) {
    this.#sqlite = sqlite;
    this.#enqueued = enqueued;
    const prepare = (sql: string) => sqlite.prepare(sql);
    this.#s = {
      insertEndpoint: prepare(endpointRow.insertSql()),
      endpoint: prepare(`select ${endpointRow.select} from event_endpoints where id = ?`),
      endpoints: prepare(`select ${endpointRow.select} from event_endpoints order by id desc`),
      disable: prepare(
        'update event_endpoints set disabled_at = ? where id = ? and disabled_at is null',
      ),
      failPending: prepare(
        `update event_deliveries set status = 'FAILED', next_attempt_at = null, claimed_by = null, lease_until = null
          where endpoint_id = ? and status = 'PENDING'`,
      ),
      due: prepare(
        `select d.id from event_deliveries d
          where d.status = 'PENDING' and d.next_attempt_at <= @now
            and (d.lease_until is null or d.lease_until <= @now) and ${HEAD_OF_LINE}
          order by d.next_attempt_at limit @limit`,
      ).pluck(),
      nextDue: prepare(
        `select min(max(d.next_attempt_at, coalesce(d.lease_until, 0))) from event_deliveries d
          where d.status = 'PENDING' and ${HEAD_OF_LINE}`,
      ).pluck(),
      claim: prepare(
        `update event_deliveries set claimed_by = @claimedBy, lease_until = @leaseUntil
          where id = @id and status = 'PENDING' and next_attempt_at <= @now
            and (lease_until is null or lease_until <= @now)
          returning ${deliveryRow.select}`,
      ),
      endpointSecret: prepare(
        'select url, secret_sealed as secretSealed from event_endpoints where id = ?',
      ),
      insertAttempt: prepare(
        `insert into event_delivery_attempts (delivery_id, at, status_code, response_excerpt, error, duration_ms)
         values (@deliveryId, @at, @statusCode, @responseExcerpt, @error, @durationMs)`,
      ),
      record: prepare(
        `update event_deliveries set status = @status, attempts = attempts + 1,
            next_attempt_at = @nextAttemptAt, delivered_at = coalesce(@deliveredAt, delivered_at),
            last_status_code = @statusCode, claimed_by = null, lease_until = null
          where id = @id and claimed_by = @claimedBy`,
      ),
      releaseAll: prepare(
        'update event_deliveries set claimed_by = null, lease_until = null where claimed_by is not null',
      ),
      releaseMine: prepare(
        'update event_deliveries set claimed_by = null, lease_until = null where claimed_by = ?',
      ),
      delivery: prepare(`select ${deliveryRow.select} from event_deliveries where id = ?`),
      deliveries: prepare(
        `select ${deliveryRow.select} from event_deliveries
          where (@endpointId is null or endpoint_id = @endpointId)
            and (@onboardingId is null or onboarding_id = @onboardingId)
            and (@status is null or status = @status)
            and (@after is null or id < @after)
          order by id desc limit @limit`,
      ),
      attempts: prepare(
        `select ${attemptRow.select} from event_delivery_attempts
          where delivery_id in (select value from json_each(?)) order by id`,
      ),
      replay: prepare(
        `update event_deliveries set status = 'PENDING', attempts = 0, next_attempt_at = @now,
            claimed_by = null, lease_until = null
          where id = @id
            and endpoint_id in (select id from event_endpoints where disabled_at is null)
          returning ${deliveryRow.select}`,
      ),
    };
  }

  async createEndpoint(row: EventEndpointRow): Promise<void> {
    this.#s.insertEndpoint.run(endpointRow.toParams(row));
  }

  async endpoint(id: string): Promise<EventEndpointRow | undefined> {
    const raw = this.#s.endpoint.get(id) as Record<string, unknown> | undefined;
    return raw ? endpointRow.fromRaw(raw) : undefined;
  }

  async endpoints(): Promise<EventEndpointRow[]> {
    return (this.#s.endpoints.all() as Record<string, unknown>[]).map(endpointRow.fromRaw);
  }

  async disableEndpoint(id: string, at: number): Promise<EventEndpointRow | undefined> {
    this.#sqlite
      .transaction(() => {
        if (this.#s.disable.run(at, id).changes > 0) this.#s.failPending.run(id);
      })
      .immediate();
    return this.endpoint(id);
  }

  async dueDeliveries(now: number, limit: number): Promise<string[]> {
    return this.#s.due.all({ now, limit }) as string[];
  }

  async nextDueAt(): Promise<number | null> {
    return (this.#s.nextDue.get() as number | null) ?? null;
  }

  async claim(
    id: string,
    claimedBy: string,
    now: number,
    leaseUntil: number,
  ): Promise<ClaimedEventDelivery | undefined> {
    const raw = this.#s.claim.get({ id, claimedBy, now, leaseUntil }) as
      | Record<string, unknown>
      | undefined;
    if (!raw) return undefined;
    const delivery = deliveryRow.fromRaw(raw);
    const endpoint = this.#s.endpointSecret.get(delivery.endpointId) as {
      url: string;
      secretSealed: string;
    };
    return { delivery, ...endpoint };
  }

  async record(id: string, claimedBy: string, outcome: EventDeliveryOutcome): Promise<void> {
    this.#sqlite
      .transaction(() => {
        this.#s.insertAttempt.run({ deliveryId: id, ...outcome.attempt });
        this.#s.record.run({
          id,
          claimedBy,
          status: outcome.status,
          nextAttemptAt: outcome.nextAttemptAt,
          deliveredAt: outcome.deliveredAt,
          statusCode: outcome.attempt.statusCode,
        });
      })
      .immediate();
  }

  async releaseClaims(claimedBy?: string): Promise<void> {
    if (claimedBy === undefined) this.#s.releaseAll.run();
    else this.#s.releaseMine.run(claimedBy);
  }

  async delivery(id: string): Promise<EventDeliveryRow | undefined> {
    const raw = this.#s.delivery.get(id) as Record<string, unknown> | undefined;
    return raw ? deliveryRow.fromRaw(raw) : undefined;
  }

  async deliveries(query: ListEventDeliveriesQuery): Promise<Page<EventDeliveryRow>> {
    const rows = (
      this.#s.deliveries.all({
        endpointId: query.endpointId ?? null,
        onboardingId: query.onboardingId ?? null,
        status: query.status ?? null,
        after: query.after ?? null,
        limit: query.first + 1,
      }) as Record<string, unknown>[]
    ).map(deliveryRow.fromRaw);
    return { rows: rows.slice(0, query.first), hasNextPage: rows.length > query.first };
  }

  async attempts(deliveryIds: readonly string[]): Promise<EventDeliveryAttemptRow[]> {
    if (deliveryIds.length === 0) return [];
    return (this.#s.attempts.all(JSON.stringify(deliveryIds)) as Record<string, unknown>[]).map(
      attemptRow.fromRaw,
    );
  }

  async replay(id: string, now: number): Promise<EventDeliveryRow | undefined> {
    const raw = this.#s.replay.get({ id, now }) as Record<string, unknown> | undefined;
    if (!raw) return undefined;
    this.#enqueued.emit(now);
    return deliveryRow.fromRaw(raw);
  }

  onEnqueued(listener: (at: number) => void): void {
    this.#enqueued.on(listener);
  }
}
