// The Sinch APIs the gateway uses, as the contracts document describes them
// (shared/contracts/upstream-apis.md, sections B to E). Request schemas are what the bundled fake
// accepts; response schemas are what the clients accept. Responses are parsed loosely (unknown
// fields pass through) because Sinch adds fields over time; requests are parsed as the API does.
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Shared value sets
// ---------------------------------------------------------------------------------------------

export const SENDER_REGIONS = ['BR', 'EU', 'US'] as const;
export const senderRegionSchema = z.enum(SENDER_REGIONS);
export type SenderRegion = z.infer<typeof senderRegionSchema>;

/** Conversation API hosts are lower-case regions; sender `compatibleRegions` use the same spelling. */
export const CONVERSATION_REGIONS = ['us', 'eu', 'br'] as const;
export const conversationRegionSchema = z.enum(CONVERSATION_REGIONS);
export type ConversationRegion = z.infer<typeof conversationRegionSchema>;

export const META_LOCAL_STORAGE = [
  'AE',
  'AU',
  'BH',
  'BR',
  'CA',
  'CH',
  'DE',
  'GB',
  'ID',
  'IN',
  'JP',
  'KR',
  'SG',
  'US',
  'ZA',
] as const;
export const metaLocalStorageSchema = z.enum(META_LOCAL_STORAGE);

export const BUSINESS_MANAGERS = ['SINCH_BR', 'SINCH_MX', 'SINCH_UK'] as const;
export type BusinessManager = (typeof BUSINESS_MANAGERS)[number];

/** Which business managers Sinch accepts for a sender region (contracts D.2). */
export const BUSINESS_MANAGERS_BY_REGION: Record<SenderRegion, readonly BusinessManager[]> = {
  BR: ['SINCH_BR', 'SINCH_MX'],
  EU: ['SINCH_UK'],
  US: ['SINCH_BR', 'SINCH_MX', 'SINCH_UK'],
};

/** ULIDs: Crockford base32, 26 characters. Conversation API rejects a non-ULID `app_id`. */
export const ulidSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/i, 'must be a ULID');

// ---------------------------------------------------------------------------------------------
// B. OAuth2 client credentials
// ---------------------------------------------------------------------------------------------

export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  // Documented as `Bearer`, seen as `bearer`: compare without case.
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', 'token_type must be Bearer'),
  expires_in: z.number().int().positive(),
  scope: z.string().optional(),
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export const oauthErrorBodySchema = z.object({
  error: z.string(),
  error_description: z.string().optional(),
});

// ---------------------------------------------------------------------------------------------
// Google-RPC style errors (Subprojects and Conversation APIs)
// ---------------------------------------------------------------------------------------------

export const rpcErrorBodySchema = z.object({
  error: z.object({
    code: z.number().int(),
    message: z.string().default(''),
    status: z.string(),
    details: z.array(z.unknown()).default([]),
  }),
});
export type RpcErrorBody = z.infer<typeof rpcErrorBodySchema>;

// ---------------------------------------------------------------------------------------------
// C. Subprojects
// ---------------------------------------------------------------------------------------------

const labelsSchema = z
  .record(z.string().min(1).max(255), z.string().min(1).max(255))
  .refine((labels) => Object.keys(labels).length <= 255, 'at most 255 labels');

export const createSubprojectRequestSchema = z.object({
  displayName: z.string().min(1).max(255),
  labels: labelsSchema.optional(),
});
export type CreateSubprojectRequest = z.infer<typeof createSubprojectRequestSchema>;

export const subprojectSchema = z
  .object({
    subprojectId: z.string().min(1),
    displayName: z.string(),
    labels: z.record(z.string(), z.string()).optional(),
    parentProjectId: z.string(),
    createTime: z.string(),
    updateTime: z.string(),
    deleted: z.boolean(),
  })
  .loose();
export type Subproject = z.infer<typeof subprojectSchema>;

export const subprojectListSchema = z.object({
  subprojects: z.array(subprojectSchema).default([]),
  nextPageToken: z.string().optional(),
});
export type SubprojectList = z.infer<typeof subprojectListSchema>;

// ---------------------------------------------------------------------------------------------
// D. Provisioning: WhatsApp senders and provisioning webhooks
// ---------------------------------------------------------------------------------------------

/** The "PAPI error" body every Provisioning endpoint fails with. */
export const papiErrorBodySchema = z.object({
  errorCode: z.string(),
  message: z.string().default(''),
  resolution: z.string().optional(),
  additionalInformation: z.record(z.string(), z.unknown()).optional(),
});
export type PapiErrorBody = z.infer<typeof papiErrorBodySchema>;

export const SENDER_STATES = [
  'ACTIVE',
  'IN_PROGRESS',
  'INACTIVE',
  'PENDING_VERIFICATION',
  'SUSPENDED',
  'ERROR',
] as const;
export const senderStateSchema = z.enum(SENDER_STATES);
export type SenderState = z.infer<typeof senderStateSchema>;

export const SENDER_CHANGE_STATUSES = [
  'DRAFT',
  'ERROR',
  'IN_PROGRESS',
  'MULTIPLE_WABA_ERROR',
  'REJECTED',
] as const;

/** `changes.errorCode` values a sender in `ERROR` may carry (contracts D.4). */
export const SENDER_ERROR_CODES = [
  'CANNOT_ASSIGN_CREDIT_LINE',
  'CANNOT_ASSIGN_SYSTEM_USER',
  'CANNOT_CREATE_NEW_WHATSAPP_SENDER',
  'CANNOT_CREATE_WABA_FOR_BUSINESS',
  'CANNOT_GET_DETAILS_FOR_CLOUD_API',
  'CANNOT_GET_WABA_DETAILS',
  'CANNOT_REGISTER_NEW_WHATSAPP_SENDER',
  'CANNOT_REGISTER_TO_CLOUD_API',
  'CANNOT_SUBSCRIBE_TO_CLOUD_API',
  'CANNOT_SUBSCRIBE_TO_WEBHOOK',
  'DUPLICATES_ON_SENDER_PHONE_NUMBER',
  'FAILED_TO_FETCH_APPROVED_MESSAGE_TEMPLATES',
  'MULTIPLE_WABA_FOR_PROJECT_ID',
  'NO_CERTIFICATE_AVAILABLE',
  'NO_NOVA_ACCOUNT_ID',
  'NO_PRICING_PLAN',
  'NO_PROJECT_ID',
  'NO_VERIFIED_PHONE_NUMBER',
  'NOT_VERIFIED_REQUESTED_PHONE_NUMBER',
  'NOT_VERIFY_BUSINESS_VIA_WHATSAPP',
  'NOVA_ACCOUNT_ID_CONFLICT',
  'PROJECT_ID_CONFLICT',
  'REQUESTED_PHONE_NUMBER_OR_COUNTRY_CODE_CONFLICT',
  'SENDER_HAS_BEEN_DELETED',
  'WABA_CONNECTED_TO_ANOTHER_PROJECT',
  'UNKNOWN_ERROR',
  'UNRECOGNIZED',
] as const;
export const senderErrorCodeSchema = z.enum(SENDER_ERROR_CODES);
export type SenderErrorCode = z.infer<typeof senderErrorCodeSchema>;

/** `WhatsappSenderInputEsDto`: the Embedded Signup body, the only create body the gateway sends. */
export const createSenderRequestSchema = z.object({
  wabaId: z.string().min(1),
  phoneNumberId: z.string().min(1),
  region: senderRegionSchema.optional(),
  metaLocalStorage: metaLocalStorageSchema.optional(),
  businessManager: z.enum(BUSINESS_MANAGERS).optional(),
  authenticationCode: z.string().min(1).optional(),
});
export type CreateSenderRequest = z.infer<typeof createSenderRequestSchema>;

export const senderSchema = z
  .object({
    id: z.string().min(1),
    state: z.string().optional(),
    changes: z
      .object({
        status: z.string(),
        details: z.unknown().optional(),
        errorReason: z.string().optional(),
        errorCode: z.string().optional(),
      })
      .loose()
      .nullish(),
    region: z.string(),
    metaLocalStorage: z.string(),
    cloudApi: z.boolean(),
    businessManager: z.string(),
    compatibleRegions: z.array(z.string()),
    bearerToken: z.string().optional(),
    /** Meta's quality rating of the number: GREEN, YELLOW, RED, UNKNOWN (contracts D.5). */
    qualityRating: z.string().optional(),
    /** Meta's review of the display name (contracts D.5 `metadata`). */
    metadata: z
      .object({
        displayName: z
          .object({
            value: z.string().optional(),
            status: z.string(),
            rejectionReason: z.string().optional(),
          })
          .loose()
          .optional(),
      })
      .loose()
      .nullish(),
    countryCode: z.string().optional(),
    phoneNumber: z.string().optional(),
    created: z.string().optional(),
    modified: z.string().optional(),
  })
  .loose();
export type Sender = z.infer<typeof senderSchema>;

export const senderListSchema = z.object({
  totalSize: z.number().int(),
  pageSize: z.number().int(),
  previousPageToken: z.string().optional(),
  nextPageToken: z.string().optional(),
  senders: z.array(senderSchema),
});
export type SenderList = z.infer<typeof senderListSchema>;

export const PROVISIONING_WEBHOOK_TRIGGERS = [
  'ALL',
  'BUNDLE_DONE',
  'KAKAOTALK_SENDER_ACTIVE',
  'KAKAOTALK_SENDER_COMMENT_ADDED',
  'KAKAOTALK_SENDER_INACTIVE',
  'KAKAOTALK_SENDER_REJECTED',
  'KAKAOTALK_TEMPLATE_APPROVED',
  'KAKAOTALK_TEMPLATE_COMMENT_ADDED',
  'KAKAOTALK_TEMPLATE_REJECTED',
  'RCS_BRAND_REGISTRATION_PROCESS_STATUS_UPDATED',
  'RCS_SENDER_COMMENT_ADDED',
  'RCS_SENDER_OPERATOR_STATUS_UPDATED',
  'RCS_SENDER_STATUS_UPDATED',
  'RCS_ACCOUNT_COMMENT_ADDED',
  'WHATSAPP_ACCOUNT_COMMENT_ADDED',
  'WHATSAPP_ACCOUNT_DAILY_LIMIT_CHANGED',
  'WHATSAPP_ACCOUNT_ONBOARDED',
  'WHATSAPP_ACCOUNT_PENDING_VERIFICATION',
  'WHATSAPP_ACCOUNT_REJECTED',
  'WHATSAPP_WABA_ACCOUNT_CHANGED',
  'WHATSAPP_SENDER_ACTIVE',
  'WHATSAPP_SENDER_COMMENT_ADDED',
  'WHATSAPP_SENDER_DAILY_LIMIT_CHANGED',
  'WHATSAPP_SENDER_DELETED',
  'WHATSAPP_SENDER_DISPLAY_NAME_UPDATED',
  'WHATSAPP_SENDER_ERROR',
  'WHATSAPP_SENDER_INACTIVE',
  'WHATSAPP_SENDER_PENDING_VERIFICATION',
  'WHATSAPP_SENDER_QUALITY_RATING_CHANGED',
  'WHATSAPP_SENDER_REJECTED',
  'WHATSAPP_SENDER_USERNAME_UPDATED',
  'WHATSAPP_TEMPLATE_APPROVED',
  'WHATSAPP_TEMPLATE_CATEGORY_FUTURE_UPDATE',
  'WHATSAPP_TEMPLATE_CATEGORY_UPDATED',
  'WHATSAPP_TEMPLATE_COMMENT_ADDED',
  'WHATSAPP_TEMPLATE_DELETED',
  'WHATSAPP_TEMPLATE_QUALITY_SCORE_UPDATED',
  'WHATSAPP_TEMPLATE_REJECTED',
  'WHATSAPP_TEMPLATE_STATUS_UPDATED',
] as const;
export const provisioningWebhookTriggerSchema = z.enum(PROVISIONING_WEBHOOK_TRIGGERS);
export type ProvisioningWebhookTrigger = z.infer<typeof provisioningWebhookTriggerSchema>;

/**
 * The sender triggers the gateway subscribes to: its state, and after READY its health (the
 * quality rating and the display name's review, src/onboarding/health.ts).
 */
export const SENDER_STATE_TRIGGERS = [
  'WHATSAPP_SENDER_ACTIVE',
  'WHATSAPP_SENDER_ERROR',
  'WHATSAPP_SENDER_INACTIVE',
  'WHATSAPP_SENDER_REJECTED',
  'WHATSAPP_SENDER_PENDING_VERIFICATION',
  'WHATSAPP_SENDER_DELETED',
  'WHATSAPP_SENDER_QUALITY_RATING_CHANGED',
  'WHATSAPP_SENDER_DISPLAY_NAME_UPDATED',
] as const satisfies readonly ProvisioningWebhookTrigger[];

export const createProvisioningWebhookRequestSchema = z.object({
  target: z.url({ protocol: /^https?$/ }).max(742),
  secret: z.string().min(1).max(128),
  triggers: z
    .array(provisioningWebhookTriggerSchema)
    .min(1)
    .refine((t) => new Set(t).size === t.length, 'triggers must be unique')
    .refine(
      (t) => !t.includes('ALL') || t.length === 1,
      'ALL cannot be combined with other triggers',
    ),
});
export type CreateProvisioningWebhookRequest = z.infer<
  typeof createProvisioningWebhookRequestSchema
>;

/** The secret is write-only: Sinch never echoes it back. */
export const provisioningWebhookSchema = z
  .object({
    id: z.string().min(1),
    projectId: z.string().optional(),
    target: z.string(),
    triggers: z.array(z.string()),
  })
  .loose();
export type ProvisioningWebhook = z.infer<typeof provisioningWebhookSchema>;

export const provisioningWebhookListSchema = z.object({
  totalSize: z.number().int(),
  pageSize: z.number().int(),
  previousPageToken: z.string().optional(),
  nextPageToken: z.string().optional(),
  webhooks: z.array(provisioningWebhookSchema),
});
export type ProvisioningWebhookList = z.infer<typeof provisioningWebhookListSchema>;

/** Body of a provisioning callback (D.7): the trigger name and the whole sender at that moment. */
export const provisioningCallbackSchema = z.object({
  type: z.string(),
  payload: senderSchema,
  comment: z.string().optional(),
});
export type ProvisioningCallback = z.infer<typeof provisioningCallbackSchema>;

// ---------------------------------------------------------------------------------------------
// E. Conversation API: apps and webhooks
// ---------------------------------------------------------------------------------------------

export const whatsappCredentialSchema = z.object({
  channel: z.literal('WHATSAPP'),
  static_bearer: z.object({
    claimed_identity: z.string().min(1),
    token: z.string().min(1),
  }),
  callback_secret: z.string().max(256).optional(),
  credential_ordinal_number: z.number().int().optional(),
});

/** Other channels are accepted in the shape Sinch documents but not inspected by the fake. */
const otherCredentialSchema = z
  .object({
    channel: z.enum([
      'SMS',
      'RCS',
      'MESSENGER',
      'VIBER',
      'VIBERBM',
      'MMS',
      'INSTAGRAM',
      'TELEGRAM',
      'KAKAOTALK',
      'KAKAOTALKCHAT',
      'LINE',
      'WECHAT',
      'APPLEBC',
    ]),
  })
  .loose();

export const channelCredentialSchema = z.union([whatsappCredentialSchema, otherCredentialSchema]);

export const createAppRequestSchema = z.object({
  display_name: z.string().min(1),
  channel_credentials: z.array(channelCredentialSchema).min(1),
  processing_mode: z.enum(['CONVERSATION', 'DISPATCH']).optional(),
  conversation_metadata_report_view: z.enum(['NONE', 'FULL']).optional(),
  retention_policy: z
    .object({
      retention_type: z.enum([
        'MESSAGE_EXPIRE_POLICY',
        'CONVERSATION_EXPIRE_POLICY',
        'PERSIST_RETENTION_POLICY',
      ]),
      ttl_days: z.number().int().min(1).max(3650).optional(),
    })
    .optional(),
  smart_conversation: z.object({ enabled: z.boolean() }).optional(),
  callback_settings: z
    .object({ secret_for_overridden_callback_urls: z.string() })
    .partial()
    .optional(),
});
export type CreateAppRequest = z.infer<typeof createAppRequestSchema>;

/**
 * PATCH of an app: the fields sent replace the app's (contracts E.2). The credential list is
 * required because a list sent short would drop the senders left out of it.
 */
export const updateAppRequestSchema = createAppRequestSchema
  .pick({ display_name: true, channel_credentials: true })
  .partial({ display_name: true });
export type UpdateAppRequest = z.infer<typeof updateAppRequestSchema>;

export const appSchema = z
  .object({
    id: z.string().min(1),
    display_name: z.string().optional(),
    channel_credentials: z
      .array(
        z
          .object({
            channel: z.string(),
            static_bearer: z.object({ claimed_identity: z.string(), token: z.string() }).optional(),
            state: z.object({ status: z.string(), description: z.string().optional() }).optional(),
            channel_known_id: z.string().optional(),
            credential_ordinal_number: z.number().int().optional(),
          })
          .loose(),
      )
      .default([]),
    processing_mode: z.string().optional(),
  })
  .loose();
export type App = z.infer<typeof appSchema>;

export const appListSchema = z.object({ apps: z.array(appSchema).default([]) });

export const CONVERSATION_WEBHOOK_TRIGGERS = [
  'MESSAGE_DELIVERY',
  'MESSAGE_SUBMIT',
  'MESSAGE_INBOUND',
  'EVENT_DELIVERY',
  'EVENT_INBOUND',
  'SMART_CONVERSATIONS',
  'MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION',
  'CONVERSATION_START',
  'CONVERSATION_STOP',
  'CONVERSATION_DELETE',
  'CONTACT_CREATE',
  'CONTACT_DELETE',
  'CONTACT_MERGE',
  'CONTACT_UPDATE',
  'CONTACT_IDENTITIES_DUPLICATION',
  'UNSUPPORTED',
  'OPT_IN',
  'OPT_OUT',
  'CHANNEL_EVENT',
  'CAPABILITY',
  'RECORD_NOTIFICATION',
] as const;

/** The triggers an onboarded app's webhook carries. */
export const APP_WEBHOOK_TRIGGERS = ['MESSAGE_DELIVERY', 'MESSAGE_INBOUND'] as const;

/**
 * Sinch adds triggers over time (batch and billing ones already), so any upper-snake value is
 * accepted; `UNSPECIFIED_TRIGGER` is the one the API refuses.
 */
export const conversationWebhookTriggerSchema = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, 'must be an upper-snake trigger name')
  .refine((t) => t !== 'UNSPECIFIED_TRIGGER', 'UNSPECIFIED_TRIGGER is not a valid trigger');

export const createConversationWebhookRequestSchema = z.object({
  app_id: ulidSchema,
  target: z.url({ protocol: /^https?$/ }).max(742),
  target_type: z.enum(['HTTP', 'DISMISS', 'GRPC']).default('HTTP'),
  triggers: z.array(conversationWebhookTriggerSchema).min(1),
  secret: z.string().optional(),
  client_credentials: z
    .object({
      client_id: z.string(),
      client_secret: z.string(),
      endpoint: z.string(),
      scope: z.string().max(1024).optional(),
      response_type: z.string().max(64).optional(),
      token_request_type: z.enum(['BASIC', 'FORM']).optional(),
    })
    .optional(),
});
export type CreateConversationWebhookRequest = z.input<
  typeof createConversationWebhookRequestSchema
>;

export const conversationWebhookSchema = z
  .object({
    id: z.string().min(1),
    app_id: z.string(),
    target: z.string(),
    target_type: z.string().optional(),
    triggers: z.array(z.string()),
  })
  .loose();
export type ConversationWebhook = z.infer<typeof conversationWebhookSchema>;

export const conversationWebhookListSchema = z.object({
  webhooks: z.array(conversationWebhookSchema).default([]),
});

/** DELETE answers with an empty object (or nothing at all). */
export const emptyBodySchema = z.object({}).loose().nullish();

// ---------------------------------------------------------------------------------------------
// E.3a Conversation API: messages, and the callbacks that follow a message
// ---------------------------------------------------------------------------------------------

/** WhatsApp identities are phone numbers in E.164 digits (no `+`). */
export const whatsappIdentitySchema = z.string().regex(/^\d{7,15}$/, 'must be E.164 digits');

const channelIdentitySchema = z.object({
  channel: z.string().min(1),
  identity: z.string().min(1),
  app_id: z.string().optional(),
});

/** What the gateway sends: text to a WhatsApp identity. Other message kinds are not modelled. */
export const sendMessageRequestSchema = z.object({
  app_id: ulidSchema,
  recipient: z.object({
    identified_by: z.object({ channel_identities: z.array(channelIdentitySchema).min(1) }),
  }),
  message: z.object({ text_message: z.object({ text: z.string().min(1) }) }),
  channel_priority_order: z.array(z.string()).optional(),
  callback_url: z.url({ protocol: /^https?$/ }).optional(),
  correlation_id: z.string().max(128).optional(),
});
export type SendMessageRequest = z.infer<typeof sendMessageRequestSchema>;

export const sendMessageResponseSchema = z
  .object({ message_id: z.string().min(1), accepted_time: z.string().optional() })
  .loose();
export type SendMessageResponse = z.infer<typeof sendMessageResponseSchema>;

export const DELIVERY_STATUSES = [
  'QUEUED_ON_CHANNEL',
  'DELIVERED',
  'READ',
  'FAILED',
  'SWITCHING_CHANNEL',
] as const;

/** The two callbacks a test message cares about (E.6); every other trigger is stored and ignored. */
export const messageDeliveryCallbackSchema = z.object({
  app_id: z.string(),
  event_time: z.string().optional(),
  message_delivery_report: z
    .object({
      message_id: z.string().min(1),
      // Sinch may add statuses: an unknown one is recorded, not refused.
      status: z.string().min(1),
      channel_identity: channelIdentitySchema.optional(),
      reason: z
        .object({ code: z.string().optional(), description: z.string().optional() })
        .loose()
        .optional(),
    })
    .loose(),
});
export type MessageDeliveryCallback = z.infer<typeof messageDeliveryCallbackSchema>;

export const messageInboundCallbackSchema = z.object({
  app_id: z.string(),
  event_time: z.string().optional(),
  message: z
    .object({
      id: z.string().min(1),
      direction: z.string().optional(),
      contact_message: z
        .object({ text_message: z.object({ text: z.string() }).optional() })
        .loose(),
      channel_identity: channelIdentitySchema,
      accept_time: z.string().optional(),
    })
    .loose(),
});
export type MessageInboundCallback = z.infer<typeof messageInboundCallbackSchema>;
