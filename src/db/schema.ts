// The gateway's tables. Secret values live only in `*_sealed` columns (AES-256-GCM, see
// src/secrets/seal.ts); a `*_last4` column beside one holds the preview GraphQL may show.
// Times are Unix milliseconds.
import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import type { StepName } from '../onboarding/step-names.ts';

export const ONBOARDING_STATUSES = [
  'AWAITING_SIGNUP',
  'AWAITING_PHONE_NUMBER',
  'PROVISIONING',
  'READY',
  // After READY, what Sinch reported of the sender since (src/onboarding/health.ts).
  'DISPLAY_NAME_IN_REVIEW',
  'DISPLAY_NAME_REJECTED',
  'QUALITY_LOW',
  'CREDENTIAL_REVOKED',
  'SENDER_INACTIVE',
  'SENDER_SUSPENDED',
  'ACTION_REQUIRED',
  'CANCELLED',
] as const;
export type OnboardingStatus = (typeof ONBOARDING_STATUSES)[number];

/**
 * PENDING: not started, or scheduled for `nextAttemptAt`. RUNNING: claimed by the step runner.
 * WAITING: waiting for something outside the gateway (the customer, a sender's activation).
 */
/**
 * How the customer signs up: in SendZen's iframe, or in Meta's Embedded Signup launched by the
 * vendor's own page (the page relays Meta's message and authorization code to the gateway).
 */
export const SIGNUP_PATHS = ['SENDZEN', 'META_EMBEDDED_SIGNUP'] as const;
export type SignupPath = (typeof SIGNUP_PATHS)[number];

/** What Meta's Embedded Signup said beyond the ids (never a secret: the code is sealed apart). */
export interface MetaSignupDetail {
  event: string;
  businessId?: string;
  /** CANCEL: the step of Meta's flow the customer left at. */
  currentStep?: string;
  /** ERROR (or CANCEL's error variant): Meta's own error. */
  errorMessage?: string;
  errorId?: string;
  sessionId?: string;
}

export const STEP_STATUSES = ['PENDING', 'RUNNING', 'WAITING', 'SUCCEEDED', 'FAILED'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const onboardings = sqliteTable(
  'onboardings',
  {
    id: text('id').primaryKey(),
    clientIdentifier: text('client_identifier').notNull(),
    /**
     * 1 for a customer's first onboarding, then one more each time the customer starts again; the
     * customer's current onboarding is its latest attempt, the earlier ones its history.
     */
    attempt: integer('attempt').notNull().default(1),
    signupPath: text('signup_path', { enum: SIGNUP_PATHS }).notNull().default('SENDZEN'),
    displayName: text('display_name').notNull(),
    region: text('region', { enum: ['US', 'EU', 'BR'] }).notNull(),
    metaLocalStorage: text('meta_local_storage'),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    autoProvision: integer('auto_provision', { mode: 'boolean' }).notNull(),
    status: text('status', { enum: ONBOARDING_STATUSES }).notNull(),
    /** Increases with every change; subscribers receive versions in order. */
    version: integer('version').notNull().default(0),
    /**
     * Browser session tokens carry the generation they were issued in; bumping it (the onboarding
     * finished, or a session was issued with revokeOthers) ends every older one at once.
     */
    sessionGeneration: integer('session_generation').notNull().default(0),

    sendzenProjectId: text('sendzen_project_id'),
    sendzenProjectName: text('sendzen_project_name'),
    sendzenApiKeySealed: text('sendzen_api_key_sealed'),
    sendzenApiKeyLast4: text('sendzen_api_key_last4'),
    /** Path secret of the webhook URL handed to SendZen, which signs nothing itself. */
    sendzenWebhookTokenSealed: text('sendzen_webhook_token_sealed').notNull(),
    iframeUrl: text('iframe_url'),
    iframeUrlExpiresAt: integer('iframe_url_expires_at'),

    subprojectId: text('subproject_id'),
    subprojectCreatedAt: integer('subproject_created_at'),
    provisioningWebhookId: text('provisioning_webhook_id'),
    provisioningWebhookSecretSealed: text('provisioning_webhook_secret_sealed').notNull(),
    /** Signing secret of the Conversation API app webhook, chosen before the create call. */
    appWebhookSecretSealed: text('app_webhook_secret_sealed').notNull(),

    signupStatus: text('signup_status', { enum: ['completed', 'failed'] }),
    signupSource: text('signup_source', { enum: ['webhook', 'relay', 'manual'] }),
    wabaId: text('waba_id'),
    phoneNumberId: text('phone_number_id'),
    /** Meta's exchangeable Embedded Signup code: single use, short lived, but still a credential. */
    signupCodeSealed: text('signup_code_sealed'),
    signupMessage: text('signup_message'),
    /** Meta's path only: the message's event and what came with it. */
    metaSignup: text('meta_signup', { mode: 'json' }).$type<MetaSignupDetail>(),
    /**
     * Coexistence: the customer's number stays on the WhatsApp Business app alongside the API
     * (Meta's FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING).
     */
    coexistence: integer('coexistence', { mode: 'boolean' }).notNull().default(false),

    cancelledAt: integer('cancelled_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    // One onboarding per attempt: two requests starting the same attempt race here, one wins.
    uniqueIndex('onboardings_client_identifier_attempt').on(t.clientIdentifier, t.attempt),
    index('onboardings_status').on(t.status, t.id),
  ],
);

export const steps = sqliteTable(
  'steps',
  {
    onboardingId: text('onboarding_id')
      .notNull()
      .references(() => onboardings.id, { onDelete: 'cascade' }),
    name: text('name').$type<StepName>().notNull(),
    /**
     * The phone number id a per-number step works for (a number added after the first); empty for
     * the onboarding's own steps, the first number's included.
     */
    number: text('number').notNull().default(''),
    status: text('status', { enum: STEP_STATUSES }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** When the runner should next act on it (run, retry, or poll); null when nothing is due. */
    nextAttemptAt: integer('next_attempt_at'),
    /** Set when a person asked for the step (createSender, createConversationApp) in manual mode. */
    requestedAt: integer('requested_at'),
    /**
     * Set when a create may have reached the upstream without us learning the answer (a timeout,
     * a crash mid-call): the next attempt looks the resource up and adopts it before creating.
     */
    outcomeUnknown: integer('outcome_unknown', { mode: 'boolean' }).notNull().default(false),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
    updatedAt: integer('updated_at').notNull(),
    upstreamId: text('upstream_id'),
    errorUpstream: text('error_upstream'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    errorRetryable: integer('error_retryable', { mode: 'boolean' }),
    /**
     * When to look upstream for duplicates a late commit of an attempt with an unknown outcome
     * may have left beside the resource the step kept; null when there is nothing to look for.
     */
    reconcileAt: integer('reconcile_at'),
    /** The gateway instance running the step (RUNNING only), and until when its claim holds. */
    claimedBy: text('claimed_by'),
    /**
     * A live instance keeps pushing this forward while the call runs; once it passes, the
     * instance is taken for dead and any other may recover the step (as outcome unknown).
     */
    leaseUntil: integer('lease_until'),
  },
  (t) => [
    primaryKey({ columns: [t.onboardingId, t.name, t.number] }),
    // The runner asks only for what is due: these hold just the scheduled rows.
    index('steps_due_at')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} in ('PENDING', 'WAITING') and ${t.nextAttemptAt} is not null`),
    index('steps_reconcile_at').on(t.reconcileAt).where(sql`${t.reconcileAt} is not null`),
    index('steps_running').on(t.status).where(sql`${t.status} = 'RUNNING'`),
  ],
);

export const senders = sqliteTable('senders', {
  id: text('id').primaryKey(),
  onboardingId: text('onboarding_id')
    .notNull()
    .references(() => onboardings.id, { onDelete: 'cascade' }),
  projectId: text('project_id').notNull(),
  state: text('state').notNull(),
  region: text('region').notNull(),
  compatibleRegions: text('compatible_regions', { mode: 'json' }).$type<string[]>().notNull(),
  wabaId: text('waba_id').notNull(),
  phoneNumberId: text('phone_number_id').notNull(),
  bearerTokenSealed: text('bearer_token_sealed'),
  bearerTokenLast4: text('bearer_token_last4'),
  errorCode: text('error_code'),
  errorReason: text('error_reason'),
  /** The upstream's `modified` time of the state we hold: older callbacks are ignored. */
  upstreamModifiedAt: text('upstream_modified_at'),
  /** Meta's quality rating of the number (GREEN, YELLOW, RED, UNKNOWN), as Sinch last reported. */
  qualityRating: text('quality_rating'),
  /** Meta's review of the display name (PENDING, APPROVED, REJECTED, ...) and its reason. */
  displayNameStatus: text('display_name_status'),
  displayNameReason: text('display_name_reason'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const conversationApps = sqliteTable('conversation_apps', {
  id: text('id').primaryKey(),
  onboardingId: text('onboarding_id')
    .notNull()
    .references(() => onboardings.id, { onDelete: 'cascade' }),
  projectId: text('project_id').notNull(),
  region: text('region', { enum: ['us', 'eu', 'br'] }).notNull(),
  displayName: text('display_name').notNull(),
  senderId: text('sender_id').notNull(),
  credentialStatus: text('credential_status'),
  /** Sinch's description of a FAILING credential, from the last health check. */
  credentialReason: text('credential_reason'),
  /** When the gateway last read the app's credential from Sinch (checkSenderHealth). */
  credentialCheckedAt: integer('credential_checked_at'),
  createdAt: integer('created_at').notNull(),
});

export const appWebhooks = sqliteTable('app_webhooks', {
  id: text('id').primaryKey(),
  onboardingId: text('onboarding_id')
    .notNull()
    .references(() => onboardings.id, { onDelete: 'cascade' }),
  appId: text('app_id').notNull(),
  target: text('target').notNull(),
  triggers: text('triggers', { mode: 'json' }).$type<string[]>().notNull(),
  createdAt: integer('created_at').notNull(),
});

export const TEST_MESSAGE_STATUSES = ['SENT', 'QUEUED', 'DELIVERED', 'READ', 'FAILED'] as const;
export type TestMessageStatus = (typeof TEST_MESSAGE_STATUSES)[number];

/**
 * A message the vendor sent through the customer's app to prove it works, with what Sinch's
 * callbacks said of it since: delivery reports by `message_id`, and the contact's reply.
 */
export const testMessages = sqliteTable(
  'test_messages',
  {
    id: text('id').primaryKey(),
    onboardingId: text('onboarding_id')
      .notNull()
      .references(() => onboardings.id, { onDelete: 'cascade' }),
    /** Sinch's id of the message: what its delivery reports name. */
    messageId: text('message_id').notNull(),
    /** E.164 digits, without the `+`: how WhatsApp names the contact in callbacks. */
    recipient: text('recipient').notNull(),
    text: text('text').notNull(),
    status: text('status', { enum: TEST_MESSAGE_STATUSES }).notNull(),
    failureCode: text('failure_code'),
    failureReason: text('failure_reason'),
    replyText: text('reply_text'),
    replyAt: integer('reply_at'),
    sentAt: integer('sent_at').notNull(),
    deliveredAt: integer('delivered_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('test_messages_onboarding').on(t.onboardingId, t.sentAt),
    uniqueIndex('test_messages_message_id').on(t.messageId),
  ],
);

/** Append-only: what happened to an onboarding, in order. Never holds a secret. */
export const onboardingEvents = sqliteTable(
  'onboarding_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    onboardingId: text('onboarding_id')
      .notNull()
      .references(() => onboardings.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    at: integer('at').notNull(),
    type: text('type').notNull(),
    step: text('step').$type<StepName>(),
    message: text('message').notNull(),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [index('onboarding_events_onboarding').on(t.onboardingId, t.id)],
);

export const WEBHOOK_SOURCES = ['sendzen', 'sinch-provisioning', 'sinch-conversation'] as const;
export type WebhookSource = (typeof WEBHOOK_SOURCES)[number];

/**
 * Every verified webhook delivery, stored before it is acknowledged and processed after: nothing is
 * lost to a crash between the two, and a repeat of the same event is recognised by `dedupKey`.
 */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    source: text('source', { enum: WEBHOOK_SOURCES }).notNull(),
    dedupKey: text('dedup_key').notNull(),
    /** Sinch's signature nonce: a nonce seen twice is a replay, whatever the body says. */
    nonce: text('nonce'),
    /** The onboarding the URL named; kept even when no such onboarding exists. */
    onboardingRef: text('onboarding_ref'),
    body: text('body', { mode: 'json' }).$type<unknown>().notNull(),
    receivedAt: integer('received_at').notNull(),
    processedAt: integer('processed_at'),
    outcome: text('outcome'),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_dedup').on(t.source, t.dedupKey),
    uniqueIndex('webhook_deliveries_nonce')
      .on(t.source, t.nonce)
      .where(sql`${t.nonce} is not null`),
    index('webhook_deliveries_unprocessed').on(t.processedAt),
  ],
);

export const EVENT_DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type EventDeliveryStatus = (typeof EVENT_DELIVERY_STATUSES)[number];

/**
 * Where the vendor's backend receives onboarding events: for every onboarding (`onboardingId`
 * null) or for one. The signing secret is sealed; `secretLast4` is its preview. A deleted endpoint
 * is kept, disabled, so its deliveries stay readable.
 */
export const eventEndpoints = sqliteTable(
  'event_endpoints',
  {
    id: text('id').primaryKey(),
    url: text('url').notNull(),
    onboardingId: text('onboarding_id'),
    description: text('description'),
    secretSealed: text('secret_sealed').notNull(),
    secretLast4: text('secret_last4').notNull(),
    createdAt: integer('created_at').notNull(),
    disabledAt: integer('disabled_at'),
  },
  // What every change with events reads: the enabled endpoints for all onboardings or for one.
  (t) => [index('event_endpoints_enabled').on(t.onboardingId).where(sql`${t.disabledAt} is null`)],
);

/**
 * One event for one endpoint, stored in the transaction that commits the event, sent after.
 * `body` is exactly what is POSTed (and signed). Claims work as the steps' do.
 */
export const eventDeliveries = sqliteTable(
  'event_deliveries',
  {
    id: text('id').primaryKey(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => eventEndpoints.id, { onDelete: 'cascade' }),
    onboardingId: text('onboarding_id').notNull(),
    /** The onboarding_events row it carries. */
    eventId: integer('event_id').notNull(),
    eventType: text('event_type').notNull(),
    body: text('body').notNull(),
    status: text('status', { enum: EVENT_DELIVERY_STATUSES }).notNull(),
    /** Attempts since it was stored or last replayed: what the retry schedule counts. */
    attempts: integer('attempts').notNull().default(0),
    /** PENDING only: when to send next. */
    nextAttemptAt: integer('next_attempt_at'),
    claimedBy: text('claimed_by'),
    leaseUntil: integer('lease_until'),
    lastStatusCode: integer('last_status_code'),
    createdAt: integer('created_at').notNull(),
    deliveredAt: integer('delivered_at'),
  },
  (t) => [
    uniqueIndex('event_deliveries_event').on(t.endpointId, t.eventId),
    // Per endpoint and onboarding, only the oldest PENDING delivery is sent: events arrive in order.
    index('event_deliveries_order').on(t.endpointId, t.onboardingId, t.eventId),
    index('event_deliveries_due').on(t.nextAttemptAt).where(sql`${t.status} = 'PENDING'`),
    index('event_deliveries_onboarding').on(t.onboardingId, t.id),
  ],
);

export const eventDeliveryAttempts = sqliteTable(
  'event_delivery_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => eventDeliveries.id, { onDelete: 'cascade' }),
    at: integer('at').notNull(),
    /** Null when no answer came back (refused, timed out). */
    statusCode: integer('status_code'),
    /** The first characters of the answer's body. */
    responseExcerpt: text('response_excerpt'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('event_delivery_attempts_delivery').on(t.deliveryId, t.id)],
);

export type OnboardingRow = typeof onboardings.$inferSelect;
export type StepRow = typeof steps.$inferSelect;
export type SenderRow = typeof senders.$inferSelect;
export type ConversationAppRow = typeof conversationApps.$inferSelect;
export type AppWebhookRow = typeof appWebhooks.$inferSelect;
export type TestMessageRow = typeof testMessages.$inferSelect;
export type OnboardingEventRow = typeof onboardingEvents.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type EventEndpointRow = typeof eventEndpoints.$inferSelect;
export type EventDeliveryRow = typeof eventDeliveries.$inferSelect;
export type EventDeliveryAttemptRow = typeof eventDeliveryAttempts.$inferSelect;

export const API_KEY_SCOPES = ['read', 'write', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Partner API keys. Only a hash of the secret part is kept: a leaked table grants nothing. */
export const apiKeys = sqliteTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  scopes: text('scopes', { mode: 'json' }).$type<ApiKeyScope[]>().notNull(),
  secretHash: text('secret_hash').notNull(),
  createdAt: integer('created_at').notNull(),
  revokedAt: integer('revoked_at'),
  lastUsedAt: integer('last_used_at'),
});

export type ApiKeyRow = typeof apiKeys.$inferSelect;
