// The onboarding aggregate in SQLite: the onboarding, its steps, senders, app, webhooks and event
// log. Every statement is prepared once. better-sqlite3 is synchronous, so a change's transaction
// runs start to end without yielding; the interface is asynchronous for the dialects that are not.
import type Database from 'better-sqlite3';
import { eventBody } from '../../vendor-events/contract.ts';
import { copySnapshot, differs, primarySender, stepChanges } from '../drafts.ts';
import type { EnqueuedSignal } from '../enqueued.ts';
import {
  type AppWebhookRow,
  appWebhooks,
  type ConversationAppRow,
  conversationApps,
  type OnboardingEventRow,
  type OnboardingRow,
  type OnboardingStatus,
  onboardingEvents,
  onboardings,
  type SenderRow,
  type StepRow,
  senders,
  steps,
  type TestMessageRow,
  testMessages,
} from '../schema.ts';
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
import { eventDeliveryStatements, insertEventDeliveries } from './event-endpoints.ts';
import { rowCodec } from './rows.ts';

const onboardingRow = rowCodec<OnboardingRow>(onboardings);
const stepRow = rowCodec<StepRow>(steps);
const senderRow = rowCodec<SenderRow>(senders);
const appRow = rowCodec<ConversationAppRow>(conversationApps);
const webhookRow = rowCodec<AppWebhookRow>(appWebhooks);
const eventRow = rowCodec<OnboardingEventRow>(onboardingEvents);
const testMessageRow = rowCodec<TestMessageRow>(testMessages);

/** Snapshots kept in memory: a few MB, and every onboarding a busy panel is watching. */
const CACHED_SNAPSHOTS = 5_000;

/** The terms of the partial index `steps_due_at`, written as it is so the planner uses it. */
const SCHEDULED = `"status" in ('PENDING', 'WAITING') and "next_attempt_at" is not null`;

export class SqliteOnboardingStore implements OnboardingStore {
  readonly #s;
  readonly #transaction: Database.Transaction<(work: () => unknown) => unknown>;
  /**
   * Reading a snapshot is five SELECTs, which cost more than the rest of a GraphQL read together.
   * Every change in this process goes through `update`, which keeps the cache current; a commit
   * by any other connection (another process on the same file) changes SQLite's data_version,
   * and the cache is dropped.
   */
  readonly #cache = new Map<string, OnboardingSnapshot>();
  #dataVersion = -1;
  readonly #deliveries;
  readonly #enqueued: EnqueuedSignal;

  constructor(sqlite: Database.Database, enqueued: EnqueuedSignal) {
    const prepare = (sql: string) => sqlite.prepare(sql);
    this.#deliveries = eventDeliveryStatements(sqlite);
    this.#enqueued = enqueued;
    this.#s = {
      onboarding: prepare(`select ${onboardingRow.select} from onboardings where id = ?`),
      // A number's steps are inserted in plan order, all at once: rowid order is plan order.
      steps: prepare(
        `select ${stepRow.select} from steps where onboarding_id = ? order by number <> '', number, rowid`,
      ),
      senders: prepare(
        `select ${senderRow.select} from senders where onboarding_id = ? order by created_at desc, id desc`,
      ),
      app: prepare(
        `select ${appRow.select} from conversation_apps where onboarding_id = ? order by created_at desc, rowid desc limit 1`,
      ),
      webhooks: prepare(
        `select ${webhookRow.select} from app_webhooks where onboarding_id = ? order by created_at, rowid`,
      ),
      testMessages: prepare(
        `select ${testMessageRow.select} from test_messages where onboarding_id = ? order by sent_at desc, rowid desc limit ${RECENT_TEST_MESSAGES}`,
      ),
      // Both served by the unique index on (client_identifier, attempt).
      byClientIdentifier: prepare(
        'select id from onboardings where client_identifier = ? order by attempt desc limit 1',
      ),
      earlierAttempts: prepare(
        'select id from onboardings where client_identifier = ? and attempt < ? order by attempt desc',
      ).pluck(),
      dataVersion: prepare('pragma data_version').pluck(),
      insertOnboarding: prepare(onboardingRow.insertSql()),
      updateOnboarding: prepare(onboardingRow.updateSql(['id'])),
      insertStep: prepare(stepRow.insertSql()),
      updateStep: prepare(stepRow.updateSql(['onboardingId', 'name', 'number'])),
      deleteStep: prepare(
        'delete from steps where onboarding_id = @onboardingId and name = @name and number = @number',
      ),
      insertSender: prepare(senderRow.insertSql('ignore')),
      updateSender: prepare(senderRow.updateSql(['id'])),
      insertApp: prepare(appRow.insertSql('ignore')),
      updateApp: prepare(appRow.updateSql(['id'])),
      insertWebhook: prepare(webhookRow.insertSql('ignore')),
      insertTestMessage: prepare(testMessageRow.insertSql()),
      updateTestMessage: prepare(testMessageRow.updateSql(['id'])),
      insertEvent: prepare(
        'insert into onboarding_events (onboarding_id, version, at, type, step, message, data) values (@onboardingId, @version, @at, @type, @step, @message, @data)',
      ),
      list: prepare(
        `select id from onboardings
          where (@statuses is null or status in (select value from json_each(@statuses)))
            and (@search is null or client_identifier like @search escape '\\')
            and (@after is null or id < @after)
          order by id desc limit @limit`,
      ),
      events: prepare(
        `select ${eventRow.select} from onboarding_events where onboarding_id = ? and id > ? order by id limit ?`,
      ),
      due: prepare(
        `select onboarding_id as onboardingId, name, number, status from steps
          where ${SCHEDULED} and next_attempt_at <= ? order by next_attempt_at limit ?`,
      ),
      reconcileDue: prepare(
        `select onboarding_id as onboardingId, name, number, status from steps
          where reconcile_at is not null and reconcile_at <= ? order by reconcile_at limit ?`,
      ),
      nextDue: prepare(`select min(next_attempt_at) as at from steps where ${SCHEDULED}`),
      nextReconcile: prepare(
        'select min(reconcile_at) as at from steps where reconcile_at is not null',
      ),
      running: prepare(
        `select onboarding_id as onboardingId, name, number, attempts, claimed_by as claimedBy from steps where status = 'RUNNING'`,
      ),
      // Served from the index on (status, id) without touching the table.
      countByStatus: prepare('select status, count(*) as n from onboardings group by status'),
      // Children first, so the wipe does not depend on the foreign_keys pragma's cascades.
      deleteAll: [
        'delete from event_delivery_attempts',
        'delete from event_deliveries',
        'delete from event_endpoints where onboarding_id is not null',
        'delete from onboarding_events',
        'delete from test_messages',
        'delete from app_webhooks',
        'delete from conversation_apps',
        'delete from senders',
        'delete from steps',
        'delete from onboardings',
      ].map(prepare),
    };
    // IMMEDIATE takes the write lock at the start, so two processes never deadlock upgrading.
    const transaction = sqlite.transaction((work: () => unknown) => work());
    this.#transaction = transaction;
  }

  #inTransaction<T>(work: () => T): T {
    return this.#transaction.immediate(work) as T;
  }

  /** The snapshot as committed: from the cache while nobody else wrote, else from the tables. */
  #read(id: string): OnboardingSnapshot | null {
    const version = this.#s.dataVersion.get() as number;
    if (version !== this.#dataVersion) {
      this.#cache.clear();
      this.#dataVersion = version;
    }
    const cached = this.#cache.get(id);
    if (cached) return cached;
    const loaded = this.#load(id);
    if (loaded) this.#remember(loaded);
    return loaded;
  }

  /** For writes that bypass `update` on this connection (a key rotation), which data_version misses. */
  forgetCached(): void {
    this.#cache.clear();
  }

  #remember(snapshot: OnboardingSnapshot): void {
    const id = snapshot.onboarding.id;
    this.#cache.delete(id);
    this.#cache.set(id, snapshot);
    if (this.#cache.size > CACHED_SNAPSHOTS) {
      this.#cache.delete(this.#cache.keys().next().value!);
    }
  }

  #load(id: string): OnboardingSnapshot | null {
    const s = this.#s;
    const raw = s.onboarding.get(id) as Record<string, unknown> | undefined;
    if (!raw) return null;
    const senderRows = (s.senders.all(id) as Record<string, unknown>[]).map(senderRow.fromRaw);
    const app = s.app.get(id) as Record<string, unknown> | undefined;
    const snapshot: OnboardingSnapshot = {
      onboarding: onboardingRow.fromRaw(raw),
      steps: (s.steps.all(id) as Record<string, unknown>[]).map(stepRow.fromRaw),
      senders: senderRows,
      sender: null,
      app: app ? appRow.fromRaw(app) : null,
      webhooks: (s.webhooks.all(id) as Record<string, unknown>[]).map(webhookRow.fromRaw),
      testMessages: (s.testMessages.all(id) as Record<string, unknown>[]).map(
        testMessageRow.fromRaw,
      ),
    };
    snapshot.sender = primarySender(snapshot);
    return snapshot;
  }

  async get(id: string): Promise<OnboardingSnapshot | null> {
    return this.#read(id);
  }

  async idByClientIdentifier(clientIdentifier: string): Promise<string | undefined> {
    return (this.#s.byClientIdentifier.get(clientIdentifier) as { id: string } | undefined)?.id;
  }

  async earlierAttemptIds(clientIdentifier: string, attempt: number): Promise<string[]> {
    return this.#s.earlierAttempts.all(clientIdentifier, attempt) as string[];
  }

  async create(snapshot: OnboardingSnapshot, events: NewEvent[]): Promise<boolean> {
    const s = this.#s;
    try {
      const enqueued = this.#inTransaction(() => {
        s.insertOnboarding.run(onboardingRow.toParams(snapshot.onboarding));
        for (const step of snapshot.steps) s.insertStep.run(stepRow.toParams(step));
        return this.#insertEvents(snapshot.onboarding, events);
      });
      this.#remember(snapshot);
      if (enqueued) this.#enqueued.emit(events[0]!.at);
      return true;
    } catch (error) {
      if (
        isUniqueViolation(error) &&
        (await this.idByClientIdentifier(snapshot.onboarding.clientIdentifier))
      )
        return false;
      throw error;
    }
  }

  async update<R>(
    id: string,
    change: DraftChange<R>,
  ): Promise<{ snapshot: OnboardingSnapshot; events: NewEvent[]; result: R } | null> {
    const outcome = this.#inTransaction(() => {
      const before = this.#read(id);
      if (!before) return null;
      const draft = copySnapshot(before);
      const { events, result } = change(draft);
      this.#write(before, draft);
      const enqueued = this.#insertEvents(draft.onboarding, events);
      draft.sender = primarySender(draft);
      return { snapshot: draft, events, result, enqueued };
    });
    if (!outcome) return null;
    // Only once committed: a change that threw left the cached snapshot as it was.
    this.#remember(outcome.snapshot);
    if (outcome.enqueued) this.#enqueued.emit(outcome.events[0]!.at);
    return { snapshot: outcome.snapshot, events: outcome.events, result: outcome.result };
  }

  #write(before: OnboardingSnapshot, after: OnboardingSnapshot): void {
    const s = this.#s;
    if (differs(before.onboarding, after.onboarding)) {
      s.updateOnboarding.run(onboardingRow.toParams(after.onboarding));
    }
    const { added, changed, removed } = stepChanges(before.steps, after.steps);
    for (const step of added) s.insertStep.run(stepRow.toParams(step));
    for (const step of changed) s.updateStep.run(stepRow.toParams(step));
    for (const step of removed) s.deleteStep.run(stepRow.toParams(step));
    const sendersBefore = new Map(before.senders.map((row) => [row.id, row]));
    for (const sender of after.senders) {
      const was = sendersBefore.get(sender.id);
      if (!was) s.insertSender.run(senderRow.toParams(sender));
      else if (differs(was, sender)) s.updateSender.run(senderRow.toParams(sender));
    }
    if (after.app && after.app.id !== before.app?.id) s.insertApp.run(appRow.toParams(after.app));
    else if (after.app && before.app && differs(before.app, after.app)) {
      s.updateApp.run(appRow.toParams(after.app));
    }
    const webhooksBefore = new Set(before.webhooks.map((w) => w.id));
    for (const webhook of after.webhooks) {
      if (!webhooksBefore.has(webhook.id)) s.insertWebhook.run(webhookRow.toParams(webhook));
    }
    const messagesBefore = new Map(before.testMessages.map((m) => [m.id, m]));
    for (const message of after.testMessages) {
      const was = messagesBefore.get(message.id);
      if (!was) s.insertTestMessage.run(testMessageRow.toParams(message));
      else if (differs(was, message)) s.updateTestMessage.run(testMessageRow.toParams(message));
    }
  }

  /** Inserts the events and their deliveries; says whether there were any deliveries. */
  #insertEvents(onboarding: OnboardingRow, events: NewEvent[]): boolean {
    if (events.length === 0) return false;
    const onboardingId = onboarding.id;
    const endpointIds = this.#deliveries.endpointsFor.all(onboardingId) as string[];
    for (const event of events) {
      const { lastInsertRowid } = this.#s.insertEvent.run({
        onboardingId,
        version: event.version,
        at: event.at,
        type: event.type,
        step: event.step,
        message: event.message,
        data: event.data === null ? null : JSON.stringify(event.data),
      });
      if (endpointIds.length === 0) continue;
      const eventId = Number(lastInsertRowid);
      insertEventDeliveries(this.#deliveries, endpointIds, {
        onboardingId,
        eventId,
        eventType: event.type,
        body: eventBody(onboarding, { ...event, id: eventId }),
        at: event.at,
      });
    }
    return endpointIds.length > 0;
  }

  async list(query: ListOnboardingsQuery): Promise<Page<OnboardingSnapshot>> {
    const ids = (
      this.#s.list.all({
        statuses: query.statuses?.length ? JSON.stringify(query.statuses) : null,
        // SQLite's LIKE is case-insensitive for ASCII; the escape makes `%` and `_` literal.
        search: query.search ? `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null,
        after: query.after ?? null,
        limit: query.first + 1,
      }) as { id: string }[]
    ).map((r) => r.id);
    const rows = ids
      .slice(0, query.first)
      .map((id) => this.#read(id))
      .filter((s): s is OnboardingSnapshot => s !== null);
    return { rows, hasNextPage: ids.length > query.first };
  }

  async events(
    id: string,
    page: { first: number; after?: number },
  ): Promise<Page<OnboardingEventRow>> {
    const rows = (
      this.#s.events.all(id, page.after ?? 0, page.first + 1) as Record<string, unknown>[]
    ).map(eventRow.fromRaw);
    return { rows: rows.slice(0, page.first), hasNextPage: rows.length > page.first };
  }

  async dueSteps(now: number, limit: number): Promise<DueStep[]> {
    // No 'recover': nothing else runs steps on this file, so a claim never outlives its holder
    // but by a crash, which the next start recovers all at once.
    const due = (this.#s.due.all(now, limit) as Omit<DueStep, 'kind'>[]).map((d) => ({
      ...d,
      kind: 'attempt' as const,
    }));
    const reconcile = (this.#s.reconcileDue.all(now, limit) as Omit<DueStep, 'kind'>[]).map(
      (d) => ({ ...d, kind: 'reconcile' as const }),
    );
    return [...due, ...reconcile];
  }

  async nextDueAt(): Promise<number | null> {
    const next = (this.#s.nextDue.get() as { at: number | null }).at;
    const reconcile = (this.#s.nextReconcile.get() as { at: number | null }).at;
    if (next === null) return reconcile;
    return reconcile === null ? next : Math.min(next, reconcile);
  }

  async runningSteps(
    claimedBy?: string,
  ): Promise<Pick<StepRow, 'onboardingId' | 'name' | 'number' | 'attempts'>[]> {
    const running = this.#s.running.all() as (Pick<
      StepRow,
      'onboardingId' | 'name' | 'number' | 'attempts'
    > & {
      claimedBy: string | null;
    })[];
    return running
      .filter((r) => claimedBy === undefined || r.claimedBy === claimedBy)
      .map(({ onboardingId, name, number, attempts }) => ({
        onboardingId,
        name,
        number,
        attempts,
      }));
  }

  async countByStatus(): Promise<Partial<Record<OnboardingStatus, number>>> {
    const rows = this.#s.countByStatus.all() as { status: OnboardingStatus; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async deleteAll(): Promise<number> {
    const deleted = this.#inTransaction(() => {
      let onboardingsDeleted = 0;
      for (const statement of this.#s.deleteAll) onboardingsDeleted = statement.run().changes;
      return onboardingsDeleted;
    });
    this.#cache.clear();
    return deleted;
  }

  /** Nothing to renew: claims on an unshared file are never taken over (see `dueSteps`). */
  async renewClaims(): Promise<void> {}
}

export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    (error as { code: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}
