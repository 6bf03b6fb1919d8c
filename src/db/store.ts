// What the gateway keeps, as the rest of the code sees it: one repository per aggregate, and the
// only door to SQL. Asynchronous because a networked database's driver is; an embedded one answers
// at once. Dialect details (statements, transactions, locking) stay behind these interfaces.
import type {
  ApiKeyRow,
  AppWebhookRow,
  ConversationAppRow,
  EventDeliveryAttemptRow,
  EventDeliveryRow,
  EventDeliveryStatus,
  EventEndpointRow,
  OnboardingEventRow,
  OnboardingRow,
  OnboardingStatus,
  SenderRow,
  StepRow,
  TestMessageRow,
  WebhookDeliveryRow,
  WebhookSource,
} from './schema.ts';

/** An onboarding with everything a reader shows beside it, read in one go. */
export interface OnboardingSnapshot {
  onboarding: OnboardingRow;
  /** In plan order. */
  steps: StepRow[];
  /** Every sender the onboarding ever had, newest first (a retry may have replaced one). */
  senders: SenderRow[];
  /** The first number's current sender (`primarySender`): what the app is made with. */
  sender: SenderRow | null;
  app: ConversationAppRow | null;
  webhooks: AppWebhookRow[];
  /**
   * The latest test messages, newest first (at most `RECENT_TEST_MESSAGES`): older ones are
   * neither shown nor updated by a late callback.
   */
  testMessages: TestMessageRow[];
}

/** How many test messages a snapshot carries: enough to show, small enough to read every time. */
export const RECENT_TEST_MESSAGES = 20;

/**
 * A snapshot to change in place: whatever differs from what was loaded is written back. Rows may
 * be edited; steps added (a number's) or removed; senders, an app and webhooks added (a new
 * sender goes first in `senders`); test messages added (first) or edited.
 */
export type OnboardingDraft = OnboardingSnapshot;

export type NewEvent = Omit<OnboardingEventRow, 'id' | 'onboardingId'>;

/**
 * Applies a change to a draft and says which events it produced. Synchronous and free of I/O: it
 * runs inside the store's transaction, which never spans an upstream call.
 */
export type DraftChange<R> = (draft: OnboardingDraft) => { events: NewEvent[]; result: R };

export interface DueStep {
  onboardingId: string;
  name: StepRow['name'];
  number: StepRow['number'];
  status: StepRow['status'];
  /**
   * attempt: its next attempt (or, WAITING, its next poll) is due. reconcile: its next look for
   * duplicates is due. recover: it is RUNNING under a claim that ran out (the instance died).
   */
  kind: 'attempt' | 'reconcile' | 'recover';
}

export interface ListOnboardingsQuery {
  first: number;
  /** The id of the last onboarding of the previous page. */
  after?: string;
  statuses?: readonly OnboardingStatus[];
  /** Matches anywhere in the client identifier, case-insensitively. */
  search?: string;
}

export interface Page<T> {
  rows: T[];
  hasNextPage: boolean;
}

export interface OnboardingStore {
  get(id: string): Promise<OnboardingSnapshot | null>;
  /** The customer's current onboarding: its latest attempt. */
  idByClientIdentifier(clientIdentifier: string): Promise<string | undefined>;
  /** The customer's attempts before `attempt`, newest first: its history. */
  earlierAttemptIds(clientIdentifier: string, attempt: number): Promise<string[]>;
  /**
   * Both `create` and `update` store, in the same transaction as the events, one delivery of each
   * event to every enabled event endpoint for all onboardings or for this one.
   *
   * Stores a new onboarding with its steps and first events in one transaction. False when the
   * customer already has an onboarding with its attempt number (a concurrent create won).
   */
  create(snapshot: OnboardingSnapshot, events: NewEvent[]): Promise<boolean>;
  /**
   * Loads the snapshot once, applies `change` to it, and writes what changed with the events, in
   * one transaction. Null when there is no such onboarding.
   */
  update<R>(
    id: string,
    change: DraftChange<R>,
  ): Promise<{ snapshot: OnboardingSnapshot; events: NewEvent[]; result: R } | null>;
  list(query: ListOnboardingsQuery): Promise<Page<OnboardingSnapshot>>;
  events(id: string, page: { first: number; after?: number }): Promise<Page<OnboardingEventRow>>;
  /** Steps whose next attempt, poll or reconciliation is due at `now`, oldest first. */
  dueSteps(now: number, limit: number): Promise<DueStep[]>;
  /** When the next step falls due, if one is scheduled. */
  nextDueAt(): Promise<number | null>;
  /** Steps RUNNING, or only those claimed by one instance: what a process left mid-call. */
  runningSteps(
    claimedBy?: string,
  ): Promise<Pick<StepRow, 'onboardingId' | 'name' | 'number' | 'attempts'>[]>;
  /** Pushes the claims an instance holds on its RUNNING steps forward to `until`. */
  renewClaims(claimedBy: string, until: number): Promise<void>;
  /** How many onboardings have each status (a status none has may be left out): read per scrape. */
  countByStatus(): Promise<Partial<Record<OnboardingStatus, number>>>;
  /**
   * Deletes every onboarding with its steps, senders, apps, webhooks, test messages and events, in one
   * transaction, and says how many onboardings there were: the sandbox's reset. API keys and
   * stored webhook deliveries stay, and so do event endpoints for every onboarding (an endpoint
   * for one onboarding goes with it, as do every event delivery and its attempts).
   */
  deleteAll(): Promise<number>;
}

export interface ApiKeyStore {
  /** Inserts the key unless one with its id exists. */
  ensure(row: Omit<ApiKeyRow, 'revokedAt' | 'lastUsedAt'>): Promise<void>;
  find(id: string): Promise<ApiKeyRow | undefined>;
  revoke(id: string, at: number): Promise<'revoked' | 'already_revoked' | 'not_found'>;
  list(): Promise<ApiKeyRow[]>;
}

export interface IncomingDelivery {
  source: WebhookSource;
  dedupKey: string;
  nonce?: string;
  onboardingRef: string;
  body: unknown;
}

export interface DeliveryStore {
  /** The new delivery's id; undefined when the same event was stored before. */
  insert(delivery: IncomingDelivery, receivedAt: number): Promise<number | undefined>;
  nonceSeen(source: WebhookSource, nonce: string): Promise<boolean>;
  get(id: number): Promise<WebhookDeliveryRow | undefined>;
  markProcessed(id: number, outcome: string, at: number): Promise<void>;
  /** Deliveries stored but not processed whose onboarding exists. */
  pendingIds(receivedBefore?: number): Promise<number[]>;
}

export interface ListEventDeliveriesQuery {
  first: number;
  /** The id of the last delivery of the previous page. */
  after?: string;
  endpointId?: string;
  onboardingId?: string;
  status?: EventDeliveryStatus;
}

/** A delivery claimed for one attempt, with what sending it needs. */
export interface ClaimedEventDelivery {
  delivery: EventDeliveryRow;
  url: string;
  secretSealed: string;
}

/** What one attempt came to, recorded with the delivery's new state in one transaction. */
export interface EventDeliveryOutcome {
  attempt: Omit<EventDeliveryAttemptRow, 'id' | 'deliveryId'>;
  status: EventDeliveryStatus;
  nextAttemptAt: number | null;
  deliveredAt: number | null;
}

/**
 * The vendor's event endpoints and the deliveries to them. Deliveries are created by the
 * onboarding store, in the transaction that commits their event (see `OnboardingStore.create`
 * and `update`); this repository sends nothing, it hands them out and records what happened.
 */
export interface EventEndpointStore {
  createEndpoint(row: EventEndpointRow): Promise<void>;
  endpoint(id: string): Promise<EventEndpointRow | undefined>;
  /** Every endpoint, disabled ones too, newest first. */
  endpoints(): Promise<EventEndpointRow[]>;
  /**
   * Disables the endpoint and fails its PENDING deliveries, in one transaction. Undefined when
   * there is no such endpoint; an endpoint already disabled is returned as it is.
   */
  disableEndpoint(id: string, at: number): Promise<EventEndpointRow | undefined>;
  /**
   * PENDING deliveries due at `now` and not claimed by a live claim, oldest first; only the
   * oldest PENDING one per endpoint and onboarding, so an onboarding's events arrive in order.
   */
  dueDeliveries(now: number, limit: number): Promise<string[]>;
  /** When the next delivery falls due (or a claim on one runs out), if any. */
  nextDueAt(): Promise<number | null>;
  /** Claims a due delivery for one attempt; undefined when it is no longer due or another claimed it. */
  claim(
    id: string,
    claimedBy: string,
    now: number,
    leaseUntil: number,
  ): Promise<ClaimedEventDelivery | undefined>;
  /** Records the attempt and the delivery's new state, releasing the claim `claimedBy` holds. */
  record(id: string, claimedBy: string, outcome: EventDeliveryOutcome): Promise<void>;
  /** Releases every claim (alone on the store, a claim at start was left by a previous process). */
  releaseClaims(claimedBy?: string): Promise<void>;
  delivery(id: string): Promise<EventDeliveryRow | undefined>;
  /** Newest first. */
  deliveries(query: ListEventDeliveriesQuery): Promise<Page<EventDeliveryRow>>;
  /** The attempts of these deliveries, oldest first. */
  attempts(deliveryIds: readonly string[]): Promise<EventDeliveryAttemptRow[]>;
  /**
   * Makes the delivery PENDING again, due at `now`, with a fresh retry budget; its attempts so far
   * stay. Undefined when there is no such delivery or its endpoint is disabled.
   */
  replay(id: string, now: number): Promise<EventDeliveryRow | undefined>;
  /** Called after a commit that stored deliveries (in this process), with when they fall due. */
  onEnqueued(listener: (at: number) => void): void;
}

/** Where a sealed value lives, which is what its seal is bound to. */
export interface SealedValueContext {
  table: 'onboardings' | 'senders' | 'event_endpoints';
  rowId: string;
  kind: string;
}

export interface Store {
  /**
   * Whether other gateway instances may use the store at the same time. When not (SQLite's file),
   * whatever is RUNNING at start was left by this instance's previous process; when so
   * (PostgreSQL), a step is another instance's until its claim runs out.
   */
  readonly shared: boolean;
  onboardings: OnboardingStore;
  apiKeys: ApiKeyStore;
  deliveries: DeliveryStore;
  eventEndpoints: EventEndpointStore;
  /**
   * Rewrites every sealed value through `reseal` in one transaction: every value moves or none
   * does. Returns how many values there were.
   */
  resealAll(reseal: (sealed: string, context: SealedValueContext) => string): Promise<number>;
  /** Open, and every committed migration applied: what /readyz reports. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
