// The onboarding aggregate in PostgreSQL. Several gateway instances may share the database, so
// nothing is cached: a snapshot is one statement (the onboarding with its rows aggregated as JSON),
// and a change locks the onboarding's row first, so two instances changing one onboarding take
// turns and each sees what the other committed.
import { and, desc, eq, isNotNull, lt, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { STEP_NAMES } from '../../onboarding/step-names.ts';
import { eventBody } from '../../vendor-events/contract.ts';
import { copySnapshot, differs, primarySender, stepChanges } from '../drafts.ts';
import type { EnqueuedSignal } from '../enqueued.ts';
import type { OnboardingEventRow, OnboardingRow, StepRow } from '../schema.ts';
import type {
  DraftChange,
  DueStep,
  ListOnboardingsQuery,
  NewEvent,
  OnboardingSnapshot,
  OnboardingStore,
  Page,
} from '../store.ts';
import { RECENT_TEST_MESSAGES } from '../store.ts';
import { endpointsFor, insertEventDeliveries } from './event-endpoints.ts';
import { isUniqueViolation, jsonRowReader, withoutParams } from './rows.ts';
import * as schema from './schema.ts';

const {
  onboardings,
  steps,
  senders,
  conversationApps,
  appWebhooks,
  onboardingEvents,
  eventEndpoints,
  eventDeliveries,
  eventDeliveryAttempts,
  testMessages,
} = schema;

type Db = NodePgDatabase<typeof schema>;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Raw = Record<string, unknown>;

const readOnboarding = jsonRowReader<OnboardingSnapshot['onboarding']>(onboardings);
const readStep = jsonRowReader<StepRow>(steps);
const readSender = jsonRowReader<OnboardingSnapshot['senders'][number]>(senders);
const readApp = jsonRowReader<NonNullable<OnboardingSnapshot['app']>>(conversationApps);
const readWebhook = jsonRowReader<OnboardingSnapshot['webhooks'][number]>(appWebhooks);
const readEvent = jsonRowReader<OnboardingEventRow>(onboardingEvents);
const readTestMessage = jsonRowReader<OnboardingSnapshot['testMessages'][number]>(testMessages);

/** Plan order: how SQLite's rowid orders steps, which PostgreSQL has no equivalent of. */
const PLAN_POSITION = new Map<string, number>(STEP_NAMES.map((name, i) => [name, i]));

/**
 * Whole snapshots of the given onboardings in one statement, so they are consistent with each
 * other: every sub-select sees the same committed state.
 */
function snapshotsSql(ids: string[]) {
  return sql`
    select row_to_json(o) as onboarding,
      (select coalesce(json_agg(s), '[]') from steps s where s.onboarding_id = o.id) as steps,
      (select coalesce(json_agg(x order by x.created_at desc, x.id desc), '[]')
         from senders x where x.onboarding_id = o.id) as senders,
      (select row_to_json(a) from conversation_apps a where a.onboarding_id = o.id
         order by a.created_at desc, a.id desc limit 1) as app,
      (select coalesce(json_agg(w order by w.created_at, w.id), '[]')
         from app_webhooks w where w.onboarding_id = o.id) as webhooks,
      (select coalesce(json_agg(m order by m.sent_at desc, m.id desc), '[]')
         from (select * from test_messages t where t.onboarding_id = o.id
                order by t.sent_at desc, t.id desc limit ${RECENT_TEST_MESSAGES}) m) as test_messages
    from onboardings o where o.id = any(${sql.param(ids)}::text[])`;
}

function toSnapshot(raw: Raw): OnboardingSnapshot {
  const snapshot: OnboardingSnapshot = {
    onboarding: readOnboarding(raw.onboarding as Raw),
    // As SQLite orders them: the onboarding's own steps, then each added number's, in plan order.
    steps: (raw.steps as Raw[])
      .map(readStep)
      .sort(
        (a, b) =>
          Number(a.number !== '') - Number(b.number !== '') ||
          (a.number < b.number ? -1 : a.number > b.number ? 1 : 0) ||
          (PLAN_POSITION.get(a.name) ?? 0) - (PLAN_POSITION.get(b.name) ?? 0),
      ),
    senders: (raw.senders as Raw[]).map(readSender),
    sender: null,
    app: raw.app ? readApp(raw.app as Raw) : null,
    webhooks: (raw.webhooks as Raw[]).map(readWebhook),
    testMessages: (raw.test_messages as Raw[]).map(readTestMessage),
  };
  snapshot.sender = primarySender(snapshot);
  return snapshot;
}

export class PgOnboardingStore implements OnboardingStore {
  readonly #db: Db;
  readonly #enqueued: EnqueuedSignal;

  constructor(db: Db, enqueued: EnqueuedSignal) {
    this.#db = db;
    this.#enqueued = enqueued;
  }

  async #load(db: Db | Tx, ids: string[]): Promise<Map<string, OnboardingSnapshot>> {
    const { rows } = await db.execute<Raw>(snapshotsSql(ids));
    return new Map(
      rows.map((raw) => {
        const snapshot = toSnapshot(raw);
        return [snapshot.onboarding.id, snapshot];
      }),
    );
  }

  get(id: string): Promise<OnboardingSnapshot | null> {
    return withoutParams(async () => (await this.#load(this.#db, [id])).get(id) ?? null);
  }

  idByClientIdentifier(clientIdentifier: string): Promise<string | undefined> {
    return withoutParams(async () => {
      const [row] = await this.#db
        .select({ id: onboardings.id })
        .from(onboardings)
        .where(eq(onboardings.clientIdentifier, clientIdentifier))
        .orderBy(desc(onboardings.attempt))
        .limit(1);
      return row?.id;
    });
  }

  earlierAttemptIds(clientIdentifier: string, attempt: number): Promise<string[]> {
    return withoutParams(async () => {
      const rows = await this.#db
        .select({ id: onboardings.id })
        .from(onboardings)
        .where(
          and(eq(onboardings.clientIdentifier, clientIdentifier), lt(onboardings.attempt, attempt)),
        )
        .orderBy(desc(onboardings.attempt));
      return rows.map((r) => r.id);
    });
  }

  async create(snapshot: OnboardingSnapshot, events: NewEvent[]): Promise<boolean> {
    try {
      const enqueued = await this.#db.transaction(async (tx) => {
        await tx.insert(onboardings).values(snapshot.onboarding);
        await tx.insert(steps).values(snapshot.steps);
        return this.#insertEvents(tx, snapshot.onboarding, events);
      });
      if (enqueued) this.#enqueued.emit(events[0]!.at);
      return true;
    } catch (error) {
      if (
        isUniqueViolation(error) &&
        (await this.idByClientIdentifier(snapshot.onboarding.clientIdentifier))
      )
        return false;
      return withoutParams(() => Promise.reject(error));
    }
  }

  update<R>(
    id: string,
    change: DraftChange<R>,
  ): Promise<{ snapshot: OnboardingSnapshot; events: NewEvent[]; result: R } | null> {
    return withoutParams(async () => {
      const outcome = await this.#db.transaction(async (tx) => {
        // The lock first, in a statement of its own: under READ COMMITTED the next statement
        // then reads everything the previous holder of the lock committed.
        const locked = await tx.execute(sql`select 1 from onboardings where id = ${id} for update`);
        if (locked.rows.length === 0) return null;
        const before = (await this.#load(tx, [id])).get(id)!;
        const draft = copySnapshot(before);
        const { events, result } = change(draft);
        draft.sender = primarySender(draft);
        await this.#write(tx, before, draft);
        const enqueued = await this.#insertEvents(tx, draft.onboarding, events);
        return { snapshot: draft, events, result, enqueued };
      });
      if (!outcome) return null;
      if (outcome.enqueued) this.#enqueued.emit(outcome.events[0]!.at);
      return { snapshot: outcome.snapshot, events: outcome.events, result: outcome.result };
    });
  }

  async #write(tx: Tx, before: OnboardingSnapshot, after: OnboardingSnapshot): Promise<void> {
    if (differs(before.onboarding, after.onboarding)) {
      await tx
        .update(onboardings)
        .set(after.onboarding)
        .where(eq(onboardings.id, after.onboarding.id));
    }
    const stepsChanged = stepChanges(before.steps, after.steps);
    const keyOf = (step: StepRow) =>
      and(
        eq(steps.onboardingId, step.onboardingId),
        eq(steps.name, step.name),
        eq(steps.number, step.number),
      );
    if (stepsChanged.added.length > 0) await tx.insert(steps).values(stepsChanged.added);
    for (const step of stepsChanged.changed) await tx.update(steps).set(step).where(keyOf(step));
    for (const step of stepsChanged.removed) await tx.delete(steps).where(keyOf(step));
    const sendersBefore = new Map(before.senders.map((row) => [row.id, row]));
    for (const sender of after.senders) {
      const was = sendersBefore.get(sender.id);
      if (!was) await tx.insert(senders).values(sender).onConflictDoNothing();
      else if (differs(was, sender)) {
        await tx.update(senders).set(sender).where(eq(senders.id, sender.id));
      }
    }
    if (after.app && after.app.id !== before.app?.id) {
      await tx.insert(conversationApps).values(after.app).onConflictDoNothing();
    } else if (after.app && before.app && differs(before.app, after.app)) {
      await tx.update(conversationApps).set(after.app).where(eq(conversationApps.id, after.app.id));
    }
    const webhooksBefore = new Set(before.webhooks.map((w) => w.id));
    const newWebhooks = after.webhooks.filter((w) => !webhooksBefore.has(w.id));
    if (newWebhooks.length > 0) {
      await tx.insert(appWebhooks).values(newWebhooks).onConflictDoNothing();
    }
    const messagesBefore = new Map(before.testMessages.map((m) => [m.id, m]));
    for (const message of after.testMessages) {
      const was = messagesBefore.get(message.id);
      if (!was) await tx.insert(testMessages).values(message);
      else if (differs(was, message)) {
        await tx.update(testMessages).set(message).where(eq(testMessages.id, message.id));
      }
    }
  }

  /** Inserts the events and their deliveries; says whether there were any deliveries. */
  async #insertEvents(tx: Tx, onboarding: OnboardingRow, events: NewEvent[]): Promise<boolean> {
    if (events.length === 0) return false;
    const onboardingId = onboarding.id;
    const endpointIds = await endpointsFor(tx, onboardingId);
    const inserted = await tx
      .insert(onboardingEvents)
      .values(events.map((e) => ({ ...e, onboardingId })))
      .returning({ id: onboardingEvents.id });
    if (endpointIds.length === 0) return false;
    // bigserial hands out ids in VALUES order: the nth id is the nth event's.
    const ids = inserted.map((r) => r.id).sort((a, b) => a - b);
    await insertEventDeliveries(
      tx,
      endpointIds,
      events.map((event, i) => ({
        onboardingId,
        eventId: ids[i]!,
        eventType: event.type,
        body: eventBody(onboarding, { ...event, id: ids[i]! }),
        at: event.at,
      })),
    );
    return true;
  }

  list(query: ListOnboardingsQuery): Promise<Page<OnboardingSnapshot>> {
    return withoutParams(async () => {
      const statuses = sql.param(query.statuses?.length ? [...query.statuses] : null);
      const search = query.search ? `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
      const { rows } = await this.#db.execute<{ id: string }>(sql`
        select id from onboardings
         where (${statuses}::text[] is null or status = any(${statuses}::text[]))
           and (${search}::text is null or client_identifier ilike ${search}::text escape '\\')
           and (${query.after ?? null}::text is null or id < ${query.after ?? null}::text)
         order by id desc limit ${query.first + 1}`);
      const ids = rows.slice(0, query.first).map((r) => r.id);
      const loaded = ids.length > 0 ? await this.#load(this.#db, ids) : new Map();
      return {
        rows: ids.map((id) => loaded.get(id)).filter((s) => s !== undefined),
        hasNextPage: rows.length > query.first,
      };
    });
  }

  events(id: string, page: { first: number; after?: number }): Promise<Page<OnboardingEventRow>> {
    return withoutParams(async () => {
      const { rows } = await this.#db.execute<Raw>(sql`
        select row_to_json(e) as event from onboarding_events e
         where e.onboarding_id = ${id} and e.id > ${page.after ?? 0}
         order by e.id limit ${page.first + 1}`);
      const events = rows.map((r) => readEvent(r.event as Raw));
      return { rows: events.slice(0, page.first), hasNextPage: events.length > page.first };
    });
  }

  dueSteps(now: number, limit: number): Promise<DueStep[]> {
    return withoutParams(async () => {
      const { rows } = await this.#db.execute<DueStep & Raw>(sql`
        (select onboarding_id as "onboardingId", name, number, status, 'attempt' as kind from steps
          where status in ('PENDING', 'WAITING') and next_attempt_at is not null
            and next_attempt_at <= ${now} order by next_attempt_at limit ${limit})
        union all
        (select onboarding_id, name, number, status, 'reconcile' from steps
          where reconcile_at is not null and reconcile_at <= ${now}
          order by reconcile_at limit ${limit})
        union all
        (select onboarding_id, name, number, status, 'recover' from steps
          where status = 'RUNNING' and lease_until <= ${now}
          order by lease_until limit ${limit})`);
      return rows;
    });
  }

  nextDueAt(): Promise<number | null> {
    return withoutParams(async () => {
      const { rows } = await this.#db.execute<{ at: string | null }>(sql`
        select least(
          (select min(next_attempt_at) from steps
            where status in ('PENDING', 'WAITING') and next_attempt_at is not null),
          (select min(reconcile_at) from steps where reconcile_at is not null),
          (select min(lease_until) from steps where status = 'RUNNING')) as at`);
      const at = rows[0]?.at;
      return at === null || at === undefined ? null : Number(at);
    });
  }

  runningSteps(
    claimedBy?: string,
  ): Promise<Pick<StepRow, 'onboardingId' | 'name' | 'number' | 'attempts'>[]> {
    return withoutParams(async () => {
      const running = eq(steps.status, 'RUNNING');
      return this.#db
        .select({
          onboardingId: steps.onboardingId,
          name: steps.name,
          number: steps.number,
          attempts: steps.attempts,
        })
        .from(steps)
        .where(claimedBy === undefined ? running : and(running, eq(steps.claimedBy, claimedBy)));
    });
  }

  renewClaims(claimedBy: string, until: number): Promise<void> {
    return withoutParams(async () => {
      await this.#db
        .update(steps)
        .set({ leaseUntil: until })
        .where(and(eq(steps.status, 'RUNNING'), eq(steps.claimedBy, claimedBy)));
    });
  }

  deleteAll(): Promise<number> {
    return withoutParams(() =>
      this.#db.transaction(async (tx) => {
        // Children first, so the wipe does not depend on the foreign keys' cascades.
        await tx.delete(eventDeliveryAttempts);
        await tx.delete(eventDeliveries);
        await tx.delete(eventEndpoints).where(isNotNull(eventEndpoints.onboardingId));
        await tx.delete(onboardingEvents);
        await tx.delete(testMessages);
        await tx.delete(appWebhooks);
        await tx.delete(conversationApps);
        await tx.delete(senders);
        await tx.delete(steps);
        const deleted = await tx.delete(onboardings);
        return deleted.rowCount ?? 0;
      }),
    );
  }

  countByStatus(): Promise<Partial<Record<OnboardingSnapshot['onboarding']['status'], number>>> {
    return withoutParams(async () => {
      const rows = await this.#db
        .select({ status: onboardings.status, n: sql<number>`count(*)::int` })
        .from(onboardings)
        .groupBy(onboardings.status);
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    });
  }
}
