// Event endpoints and their deliveries in PostgreSQL. Several instances share the table: a claim
// is one conditional UPDATE, which PostgreSQL re-checks on the row it locks, so two instances
// never hold the same delivery's attempt. The deliveries themselves are inserted by the onboarding
// store (`insertEventDeliveries` below), inside the transaction that commits the event.
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { ulid } from '../../ids.ts';
import type { EnqueuedSignal } from '../enqueued.ts';
import type { EventDeliveryRow, EventEndpointRow } from '../schema.ts';
import type {
  ClaimedEventDelivery,
  EventDeliveryOutcome,
  EventEndpointStore,
  ListEventDeliveriesQuery,
  Page,
} from '../store.ts';
import { jsonRowReader, withoutParams } from './rows.ts';
import * as schema from './schema.ts';

const { eventEndpoints, eventDeliveries, eventDeliveryAttempts } = schema;
type Db = NodePgDatabase<typeof schema>;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Raw = Record<string, unknown>;

const readDelivery = jsonRowReader<EventDeliveryRow>(eventDeliveries);

/** Only the oldest PENDING delivery per endpoint and onboarding is sendable: order is kept. */
const HEAD_OF_LINE = sql.raw(`not exists (select 1 from event_deliveries e
  where e.endpoint_id = d.endpoint_id and e.onboarding_id = d.onboarding_id
    and e.status = 'PENDING' and e.event_id < d.event_id)`);

/** The enabled endpoints for an onboarding: one indexed select, all a change pays when there are none. */
export async function endpointsFor(tx: Tx, onboardingId: string): Promise<string[]> {
  const { rows } = await tx.execute<{ id: string }>(sql`
    select id from event_endpoints
     where disabled_at is null and (onboarding_id is null or onboarding_id = ${onboardingId})`);
  return rows.map((r) => r.id);
}

export async function insertEventDeliveries(
  tx: Tx,
  endpointIds: readonly string[],
  deliveries: {
    onboardingId: string;
    eventId: number;
    eventType: string;
    body: string;
    at: number;
  }[],
): Promise<void> {
  const rows = deliveries.flatMap((d) =>
    endpointIds.map((endpointId) => ({
      id: ulid(d.at),
      endpointId,
      onboardingId: d.onboardingId,
      eventId: d.eventId,
      eventType: d.eventType,
      body: d.body,
      status: 'PENDING' as const,
      attempts: 0,
      nextAttemptAt: d.at,
      createdAt: d.at,
    })),
  );
  if (rows.length > 0) await tx.insert(eventDeliveries).values(rows).onConflictDoNothing();
}

export class PgEventEndpointStore implements EventEndpointStore {
  readonly #db: Db;
  readonly #enqueued: EnqueuedSignal;

  constructor(db: Db, enqueued: EnqueuedSignal) {
    this.#db = db;
    this.#enqueued = enqueued;
  }

  createEndpoint(row: EventEndpointRow): Promise<void> {
    return withoutParams(async () => {
      await this.#db.insert(eventEndpoints).values(row);
    });
  }

  endpoint(id: string): Promise<EventEndpointRow | undefined> {
    return withoutParams(async () => {
      const [row] = await this.#db.select().from(eventEndpoints).where(eq(eventEndpoints.id, id));
      return row;
    });
  }

  endpoints(): Promise<EventEndpointRow[]> {
    return withoutParams(() =>
      this.#db.select().from(eventEndpoints).orderBy(desc(eventEndpoints.id)),
    );
  }

  disableEndpoint(id: string, at: number): Promise<EventEndpointRow | undefined> {
    return withoutParams(async () => {
      await this.#db.transaction(async (tx) => {
        const disabled = await tx
          .update(eventEndpoints)
          .set({ disabledAt: at })
          .where(and(eq(eventEndpoints.id, id), isNull(eventEndpoints.disabledAt)));
        if (!disabled.rowCount) return;
        await tx
          .update(eventDeliveries)
          .set({ status: 'FAILED', nextAttemptAt: null, claimedBy: null, leaseUntil: null })
          .where(and(eq(eventDeliveries.endpointId, id), eq(eventDeliveries.status, 'PENDING')));
      });
      return this.endpoint(id);
    });
  }

  dueDeliveries(now: number, limit: number): Promise<string[]> {
    return withoutParams(async () => {
      const { rows } = await this.#db.execute<{ id: string }>(sql`
        select d.id from event_deliveries d
         where d.status = 'PENDING' and d.next_attempt_at <= ${now}
           and (d.lease_until is null or d.lease_until <= ${now}) and ${HEAD_OF_LINE}
         order by d.next_attempt_at limit ${limit}`);
      return rows.map((r) => r.id);
    });
  }

  nextDueAt(): Promise<number | null> {
    return withoutParams(async () => {
      const { rows } = await this.#db.execute<{ at: string | null }>(sql`
        select min(greatest(d.next_attempt_at, coalesce(d.lease_until, 0))) as at
          from event_deliveries d where d.status = 'PENDING' and ${HEAD_OF_LINE}`);
      const at = rows[0]?.at;
      return at === null || at === undefined ? null : Number(at);
    });
  }

  claim(
    id: string,
    claimedBy: string,
    now: number,
    leaseUntil: number,
  ): Promise<ClaimedEventDelivery | undefined> {
    return withoutParams(async () => {
      const { rows } = await this.#db.execute<Raw>(sql`
        update event_deliveries d set claimed_by = ${claimedBy}, lease_until = ${leaseUntil}
          from event_endpoints p
         where d.id = ${id} and p.id = d.endpoint_id and d.status = 'PENDING'
           and d.next_attempt_at <= ${now} and (d.lease_until is null or d.lease_until <= ${now})
        returning row_to_json(d) as delivery, p.url, p.secret_sealed as "secretSealed"`);
      const row = rows[0];
      if (!row) return undefined;
      return {
        delivery: readDelivery(row.delivery as Raw),
        url: row.url as string,
        secretSealed: row.secretSealed as string,
      };
    });
  }

  record(id: string, claimedBy: string, outcome: EventDeliveryOutcome): Promise<void> {
    return withoutParams(async () => {
      await this.#db.transaction(async (tx) => {
        await tx.insert(eventDeliveryAttempts).values({ deliveryId: id, ...outcome.attempt });
        await tx
          .update(eventDeliveries)
          .set({
            status: outcome.status,
            attempts: sql`${eventDeliveries.attempts} + 1`,
            nextAttemptAt: outcome.nextAttemptAt,
            ...(outcome.deliveredAt !== null ? { deliveredAt: outcome.deliveredAt } : {}),
            lastStatusCode: outcome.attempt.statusCode,
            claimedBy: null,
            leaseUntil: null,
          })
          .where(and(eq(eventDeliveries.id, id), eq(eventDeliveries.claimedBy, claimedBy)));
      });
    });
  }

  releaseClaims(claimedBy?: string): Promise<void> {
    return withoutParams(async () => {
      await this.#db
        .update(eventDeliveries)
        .set({ claimedBy: null, leaseUntil: null })
        .where(
          claimedBy === undefined
            ? sql`${eventDeliveries.claimedBy} is not null`
            : eq(eventDeliveries.claimedBy, claimedBy),
        );
    });
  }

  delivery(id: string): Promise<EventDeliveryRow | undefined> {
    return withoutParams(async () => {
      const [row] = await this.#db.select().from(eventDeliveries).where(eq(eventDeliveries.id, id));
      return row;
    });
  }

  deliveries(query: ListEventDeliveriesQuery): Promise<Page<EventDeliveryRow>> {
    return withoutParams(async () => {
      const rows = await this.#db
        .select()
        .from(eventDeliveries)
        .where(
          and(
            query.endpointId ? eq(eventDeliveries.endpointId, query.endpointId) : undefined,
            query.onboardingId ? eq(eventDeliveries.onboardingId, query.onboardingId) : undefined,
            query.status ? eq(eventDeliveries.status, query.status) : undefined,
            query.after ? sql`${eventDeliveries.id} < ${query.after}` : undefined,
          ),
        )
        .orderBy(desc(eventDeliveries.id))
        .limit(query.first + 1);
      return { rows: rows.slice(0, query.first), hasNextPage: rows.length > query.first };
    });
  }

  attempts(deliveryIds: readonly string[]) {
    return withoutParams(async () => {
      if (deliveryIds.length === 0) return [];
      return this.#db
        .select()
        .from(eventDeliveryAttempts)
        .where(inArray(eventDeliveryAttempts.deliveryId, [...deliveryIds]))
        .orderBy(eventDeliveryAttempts.id);
    });
  }

  replay(id: string, now: number): Promise<EventDeliveryRow | undefined> {
    return withoutParams(async () => {
      const [row] = await this.#db
        .update(eventDeliveries)
        .set({
          status: 'PENDING',
          attempts: 0,
          nextAttemptAt: now,
          claimedBy: null,
          leaseUntil: null,
        })
        .where(
          and(
            eq(eventDeliveries.id, id),
            sql`${eventDeliveries.endpointId} in (select id from event_endpoints where disabled_at is null)`,
          ),
        )
        .returning();
      if (row) this.#enqueued.emit(now);
      return row;
    });
  }

  onEnqueued(listener: (at: number) => void): void {
    this.#enqueued.on(listener);
  }
}
