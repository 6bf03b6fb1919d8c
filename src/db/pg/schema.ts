// The gateway's tables in PostgreSQL: the same tables, columns and indexes as ../schema.ts (SQLite),
// so both stores hand the rest of the code the same row types (checked at the end of this file).
// Times are Unix milliseconds in bigint columns read as numbers (they stay far below 2^53); JSON
// columns are jsonb; flags are booleans.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { StepName } from '../../onboarding/step-names.ts';
import type * as sqlite from '../schema.ts';
import {
  type ApiKeyScope,
  EVENT_DELIVERY_STATUSES,
  type MetaSignupDetail,
  ONBOARDING_STATUSES,
  SIGNUP_PATHS,
  STEP_STATUSES,
  TEST_MESSAGE_STATUSES,
  WEBHOOK_SOURCES,
} from '../schema.ts';

const millis = (name: string) => bigint(name, { mode: 'number' });

export const onboardings = pgTable(
  'onboardings',
  {
    id: text('id').primaryKey(),
    clientIdentifier: text('client_identifier').notNull(),
    attempt: integer('attempt').notNull().default(1),
    signupPath: text('signup_path', { enum: SIGNUP_PATHS }).notNull().default('SENDZEN'),
    displayName: text('display_name').notNull(),
    region: text('region', { enum: ['US', 'EU', 'BR'] }).notNull(),
    metaLocalStorage: text('meta_local_storage'),
    labels: jsonb('labels').$type<Record<string, string>>().notNull(),
    autoProvision: boolean('auto_provision').notNull(),
    status: text('status', { enum: ONBOARDING_STATUSES }).notNull(),
    version: bigint('version', { mode: 'number' }).notNull().default(0),
    sessionGeneration: integer('session_generation').notNull().default(0),

    sendzenProjectId: text('sendzen_project_id'),
    sendzenProjectName: text('sendzen_project_name'),
    sendzenApiKeySealed: text('sendzen_api_key_sealed'),
    sendzenApiKeyLast4: text('sendzen_api_key_last4'),
    sendzenWebhookTokenSealed: text('sendzen_webhook_token_sealed').notNull(),
    iframeUrl: text('iframe_url'),
    iframeUrlExpiresAt: millis('iframe_url_expires_at'),

    subprojectId: text('subproject_id'),
    subprojectCreatedAt: millis('subproject_created_at'),
    provisioningWebhookId: text('provisioning_webhook_id'),
    provisioningWebhookSecretSealed: text('provisioning_webhook_secret_sealed').notNull(),
    appWebhookSecretSealed: text('app_webhook_secret_sealed').notNull(),

    signupStatus: text('signup_status', { enum: ['completed', 'failed'] }),
    signupSource: text('signup_source', { enum: ['webhook', 'relay', 'manual'] }),
    wabaId: text('waba_id'),
    phoneNumberId: text('phone_number_id'),
    signupCodeSealed: text('signup_code_sealed'),
    signupMessage: text('signup_message'),
    metaSignup: jsonb('meta_signup').$type<MetaSignupDetail>(),
    coexistence: boolean('coexistence').notNull().default(false),

    cancelledAt: millis('cancelled_at'),
    createdAt: millis('created_at').notNull(),
    updatedAt: millis('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('onboardings_client_identifier_attempt').on(t.clientIdentifier, t.attempt),
    index('onboardings_status').on(t.status, t.id),
  ],
);

export const steps = pgTable(
  'steps',
  {
    onboardingId: text('onboarding_id')
      .notNull()
      .references(() => onboardings.id, { onDelete: 'cascade' }),
    name: text('name').$type<StepName>().notNull(),
    number: text('number').notNull().default(''),
    status: text('status', { enum: STEP_STATUSES }).notNull(),
    attempts: bigint('attempts', { mode: 'number' }).notNull().default(0),
    nextAttemptAt: millis('next_attempt_at'),
    requestedAt: millis('requested_at'),
    outcomeUnknown: boolean('outcome_unknown').notNull().default(false),
    startedAt: millis('started_at'),
    finishedAt: millis('finished_at'),
    updatedAt: millis('updated_at').notNull(),
    upstreamId: text('upstream_id'),
    errorUpstream: text('error_upstream'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    errorRetryable: boolean('error_retryable'),
    reconcileAt: millis('reconcile_at'),
    claimedBy: text('claimed_by'),
    leaseUntil: millis('lease_until'),
  },
  (t) => [
    primaryKey({ columns: [t.onboardingId, t.name, t.number] }),
    index('steps_due_at')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} in ('PENDING', 'WAITING') and ${t.nextAttemptAt} is not null`),
    index('steps_reconcile_at').on(t.reconcileAt).where(sql`${t.reconcileAt} is not null`),
    // Running steps by when their claim runs out: what another instance may recover.
    index('steps_running').on(t.leaseUntil).where(sql`${t.status} = 'RUNNING'`),
  ],
);

export const senders = pgTable(
  'senders',
  {
    id: text('id').primaryKey(),
    onboardingId: text('onboarding_id')
      .notNull()
      .references(() => onboardings.id, { onDelete: 'cascade' }),
    projectId: text('project_id').notNull(),
    state: text('state').notNull(),
    region: text('region').notNull(),
    compatibleRegions: jsonb('compatible_regions').$type<string[]>().notNull(),
    wabaId: text('waba_id').notNull(),
    phoneNumberId: text('phone_number_id').notNull(),
    bearerTokenSealed: text('bearer_token_sealed'),
    bearerTokenLast4: text('bearer_token_last4'),
    errorCode: text('error_code'),
    errorReason: text('error_reason'),
    upstreamModifiedAt: text('upstream_modified_at'),
    qualityRating: text('quality_rating'),
    displayNameStatus: text('display_name_status'),
    displayNameReason: text('display_name_reason'),
    createdAt: millis('created_at').notNull(),
    updatedAt: millis('updated_at').notNull(),
  },
  // SQLite finds an onboarding's rows through its rowid order; PostgreSQL needs these.
  (t) => [index('senders_onboarding').on(t.onboardingId)],
);

export const conversationApps = pgTable(
  'conversation_apps',
  {
    id: text('id').primaryKey(),
    onboardingId: text('onboarding_id')
      .notNull()
      .references(() => onboardings.id, { onDelete: 'cascade' }),
    projectId: text('project_id').notNull(),
    region: text('region', { enum: ['us', 'eu', 'br'] }).notNull(),
    displayName: text('display_name').notNull(),
    senderId: text('sender_id').notNull(),
    credentialStatus: text('credential_status'),
    credentialReason: text('credential_reason'),
    credentialCheckedAt: millis('credential_checked_at'),
    createdAt: millis('created_at').notNull(),
  },
  (t) => [index('conversation_apps_onboarding').on(t.onboardingId)],
);

export const appWebhooks = pgTable(
  'app_webhooks',
  {
    id: text('id').primaryKey(),
    onboardingId: text('onboarding_id')
      .notNull()
      .references(() => onboardings.id, { onDelete: 'cascade' }),
    appId: text('app_id').notNull(),
    target: text('target').notNull(),
    triggers: jsonb('triggers').$type<string[]>().notNull(),
    createdAt: millis('created_at').notNull(),
  },
  (t) => [index('app_webhooks_onboarding').on(t.onboardingId)],
);

export const onboardingEvents = pgTable(
  'onboarding_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    onboardingId: text('onboarding_id')
      .notNull()
      .references(() => onboardings.id, { onDelete: 'cascade' }),
    version: bigint('version', { mode: 'number' }).notNull(),
    at: millis('at').notNull(),
    type: text('type').notNull(),
    step: text('step').$type<StepName>(),
    message: text('message').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>(),
  },
  (t) => [index('onboarding_events_onboarding').on(t.onboardingId, t.id)],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    source: text('source', { enum: WEBHOOK_SOURCES }).notNull(),
    dedupKey: text('dedup_key').notNull(),
    nonce: text('nonce'),
    onboardingRef: text('onboarding_ref'),
    body: jsonb('body').$type<unknown>().notNull(),
    receivedAt: millis('received_at').notNull(),
    processedAt: millis('processed_at'),
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

export const eventEndpoints = pgTable(
  'event_endpoints',
  {
    id: text('id').primaryKey(),
    url: text('url').notNull(),
    onboardingId: text('onboarding_id'),
    description: text('description'),
    secretSealed: text('secret_sealed').notNull(),
    secretLast4: text('secret_last4').notNull(),
    createdAt: millis('created_at').notNull(),
    disabledAt: millis('disabled_at'),
  },
  (t) => [index('event_endpoints_enabled').on(t.onboardingId).where(sql`${t.disabledAt} is null`)],
);

export const eventDeliveries = pgTable(
  'event_deliveries',
  {
    id: text('id').primaryKey(),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => eventEndpoints.id, { onDelete: 'cascade' }),
    onboardingId: text('onboarding_id').notNull(),
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    eventType: text('event_type').notNull(),
    body: text('body').notNull(),
    status: text('status', { enum: EVENT_DELIVERY_STATUSES }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: millis('next_attempt_at'),
    claimedBy: text('claimed_by'),
    leaseUntil: millis('lease_until'),
    lastStatusCode: integer('last_status_code'),
    createdAt: millis('created_at').notNull(),
    deliveredAt: millis('delivered_at'),
  },
  (t) => [
    uniqueIndex('event_deliveries_event').on(t.endpointId, t.eventId),
    index('event_deliveries_order').on(t.endpointId, t.onboardingId, t.eventId),
    index('event_deliveries_due').on(t.nextAttemptAt).where(sql`${t.status} = 'PENDING'`),
    index('event_deliveries_onboarding').on(t.onboardingId, t.id),
  ],
);

export const eventDeliveryAttempts = pgTable(
  'event_delivery_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => eventDeliveries.id, { onDelete: 'cascade' }),
    at: millis('at').notNull(),
    statusCode: integer('status_code'),
    responseExcerpt: text('response_excerpt'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('event_delivery_attempts_delivery').on(t.deliveryId, t.id)],
);

export const testMessages = pgTable(
  'test_messages',
  {
    id: text('id').primaryKey(),
    onboardingId: text('onboarding_id')
      .notNull()
      .references(() => onboardings.id, { onDelete: 'cascade' }),
    messageId: text('message_id').notNull(),
    recipient: text('recipient').notNull(),
    text: text('text').notNull(),
    status: text('status', { enum: TEST_MESSAGE_STATUSES }).notNull(),
    failureCode: text('failure_code'),
    failureReason: text('failure_reason'),
    replyText: text('reply_text'),
    replyAt: millis('reply_at'),
    sentAt: millis('sent_at').notNull(),
    deliveredAt: millis('delivered_at'),
    updatedAt: millis('updated_at').notNull(),
  },
  (t) => [
    index('test_messages_onboarding').on(t.onboardingId, t.sentAt),
    uniqueIndex('test_messages_message_id').on(t.messageId),
  ],
);

export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  scopes: jsonb('scopes').$type<ApiKeyScope[]>().notNull(),
  secretHash: text('secret_hash').notNull(),
  createdAt: millis('created_at').notNull(),
  revokedAt: millis('revoked_at'),
  lastUsedAt: millis('last_used_at'),
});

// Both dialects must hand out identical rows: a column added to one and not the other fails here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameRows: [
  Same<typeof onboardings.$inferSelect, sqlite.OnboardingRow>,
  Same<typeof steps.$inferSelect, sqlite.StepRow>,
  Same<typeof senders.$inferSelect, sqlite.SenderRow>,
  Same<typeof conversationApps.$inferSelect, sqlite.ConversationAppRow>,
  Same<typeof appWebhooks.$inferSelect, sqlite.AppWebhookRow>,
  Same<typeof onboardingEvents.$inferSelect, sqlite.OnboardingEventRow>,
  Same<typeof webhookDeliveries.$inferSelect, sqlite.WebhookDeliveryRow>,
  Same<typeof apiKeys.$inferSelect, sqlite.ApiKeyRow>,
  Same<typeof eventEndpoints.$inferSelect, sqlite.EventEndpointRow>,
  Same<typeof eventDeliveries.$inferSelect, sqlite.EventDeliveryRow>,
  Same<typeof eventDeliveryAttempts.$inferSelect, sqlite.EventDeliveryAttemptRow>,
  Same<typeof testMessages.$inferSelect, sqlite.TestMessageRow>,
] = [true, true, true, true, true, true, true, true, true, true, true, true];
void sameRows;
