// The Onboarding: one customer's way onto WhatsApp, its steps and event log, and the inputs and
// payloads of the operations that start and drive it (the operations live in src/resolvers/).
// Its sender and app are attached from their own files.
import { z } from 'zod';
import type { ONBOARDING_STATUSES, OnboardingEventRow, SIGNUP_PATHS } from '../db/schema.ts';
import type { OnboardingSnapshot } from '../db/store.ts';
import type {
  OnboardCustomerInput as DomainOnboardCustomerInput,
  RelayedSignup,
} from '../onboarding/service.ts';
import { awaitingConfirmation } from '../onboarding/signup.ts';
import { META_LOCAL_STORAGE, SENDER_REGIONS } from '../upstreams/sinch/contract.ts';
import { builder } from './builder.ts';
import { plainText } from './plain-text.ts';
import { StepNameEnum, StepRef, stepViews } from './step.ts';

export const OnboardingStatusEnum = builder.enumType('OnboardingStatus', {
  values: {
    AWAITING_SIGNUP: {
      description:
        'The customer has not completed the signup yet (in the iframe, or Meta’s Embedded Signup on your page).',
    },
    AWAITING_PHONE_NUMBER: {
      description:
        'The customer shared a WABA without a phone number (Meta’s FINISH_ONLY_WABA): add one with addPhoneNumber.',
    },
    PROVISIONING: { description: 'The gateway is creating the sender, the app and its webhook.' },
    READY: { description: 'The customer can send and receive WhatsApp messages.' },
    DISPLAY_NAME_IN_REVIEW: {
      description:
        'Ready, while Meta reviews the display name: messages can be sent meanwhile (not a failure). See `health`.',
    },
    DISPLAY_NAME_REJECTED: {
      description:
        'Meta rejected the display name; messages still go out. `health` says why and what to do.',
    },
    QUALITY_LOW: {
      description: 'Meta rates the number’s quality RED; it may be limited. See `health`.',
    },
    CREDENTIAL_REVOKED: {
      description:
        'The app can no longer use the sender’s credential: nothing can be sent. See `health`.',
    },
    SENDER_INACTIVE: {
      description: 'The sender was deactivated or deleted after READY. See `health`.',
    },
    SENDER_SUSPENDED: {
      description: 'Meta suspended the number after READY: nothing can be sent. See `health`.',
    },
    ACTION_REQUIRED: {
      description: 'A step failed for good; `actionRequired` says which and why.',
    },
    CANCELLED: {},
  } satisfies Record<(typeof ONBOARDING_STATUSES)[number], object>,
});

export const SignupPathEnum = builder.enumType('SignupPath', {
  description: 'Where the customer signs up.',
  values: {
    SENDZEN: { description: 'SendZen’s embeddable iframe (the default).' },
    META_EMBEDDED_SIGNUP: {
      description:
        'Meta’s Embedded Signup, launched by your own page with FB.login; your page relays Meta’s message and authorization code (relayMetaSignup).',
    },
  } satisfies Record<(typeof SIGNUP_PATHS)[number], object>,
});

export const RegionEnum = builder.enumType('Region', {
  description: 'Where the sender is hosted and which Conversation API host the app lives on.',
  values: SENDER_REGIONS,
});

export const MetaLocalStorageEnum = builder.enumType('MetaLocalStorage', {
  description: 'Meta’s data-residency country for the phone number.',
  values: META_LOCAL_STORAGE,
});

const LabelRef = builder
  .objectRef<{ key: string; value: string }>('Label')
  .implement({ fields: (t) => ({ key: t.exposeString('key'), value: t.exposeString('value') }) });

const SignupRef = builder.objectRef<OnboardingSnapshot>('Signup').implement({
  description: 'What the customer’s signup came to, as last reported.',
  fields: (t) => ({
    metaEvent: t.string({
      nullable: true,
      description:
        'Meta’s path: the Embedded Signup event the page relayed (FINISH, FINISH_ONLY_WABA, FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING, CANCEL, ERROR).',
      resolve: (s) => s.onboarding.metaSignup?.event ?? null,
    }),
    coexistence: t.boolean({
      description:
        'The number stays on the customer’s WhatsApp Business app alongside the API (Meta’s coexistence onboarding).',
      resolve: (s) => s.onboarding.coexistence,
    }),
    leftAtStep: t.string({
      nullable: true,
      description: 'Meta’s CANCEL: the step of Embedded Signup the customer left at.',
      resolve: (s) => s.onboarding.metaSignup?.currentStep ?? null,
    }),
    metaErrorId: t.string({
      nullable: true,
      description: 'Meta’s ERROR: Meta’s id for the error, for its support.',
      resolve: (s) => s.onboarding.metaSignup?.errorId ?? null,
    }),
    status: t.string({ resolve: (s) => (s.onboarding.signupStatus ?? '').toUpperCase() }),
    wabaId: t.string({ nullable: true, resolve: (s) => s.onboarding.wabaId }),
    phoneNumberId: t.string({ nullable: true, resolve: (s) => s.onboarding.phoneNumberId }),
    message: t.string({ nullable: true, resolve: (s) => s.onboarding.signupMessage }),
    source: t.string({
      description: 'Who reported it: WEBHOOK (SendZen), RELAY (your frontend) or MANUAL.',
      resolve: (s) => (s.onboarding.signupSource ?? '').toUpperCase(),
    }),
    awaitingConfirmation: t.boolean({
      description:
        'True while a completion your frontend relayed waits for SendZen’s webhook to confirm it: until then nothing is created upstream (a browser’s word is not proof). The signup step’s `nextAttemptAt` is when the wait ends.',
      resolve: (s) => awaitingConfirmation(s),
    }),
  }),
});

const ActionRequiredRef = builder
  .objectRef<OnboardingSnapshot['steps'][number]>('ActionRequired')
  .implement({
    description: 'The failed step and what to do about it.',
    fields: (t) => ({
      step: t.field({ type: StepNameEnum, resolve: (s) => s.name }),
      upstream: t.exposeString('errorUpstream', { nullable: true }),
      code: t.string({ resolve: (s) => s.errorCode ?? 'UNKNOWN' }),
      message: t.string({ resolve: (s) => s.errorMessage ?? 'The step failed' }),
      retryable: t.boolean({
        description: 'Whether retryOnboarding can help, or the customer must start again.',
        resolve: (s) => s.errorRetryable ?? false,
      }),
    }),
  });

const OnboardingEventRef = builder.objectRef<OnboardingEventRow>('OnboardingEvent').implement({
  description: 'One entry of an onboarding’s append-only event log.',
  fields: (t) => ({
    sequence: t.exposeInt('id'),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
    type: t.exposeString('type', {
      description: 'e.g. step.succeeded, signup.disagreement, status.changed',
    }),
    step: t.field({ type: StepNameEnum, nullable: true, resolve: (e) => e.step }),
    message: t.exposeString('message'),
    version: t.exposeInt('version', { description: 'The onboarding version this event produced.' }),
  }),
});

export const NOT_A_CURSOR = 'is not a cursor from this connection';

/**
 * The connections page forward only: `last` and `before` are refused rather than ignored, and a
 * cursor must be one the connection handed out.
 */
export function forwardPage(first: z.ZodNumber, cursor: z.ZodString) {
  const unsupported = z
    .never({ error: 'is not supported; page forward with first and after' })
    .nullish();
  return z
    .object({
      first: first.nullish(),
      after: cursor.nullish(),
      last: unsupported,
      before: unsupported,
    })
    .loose();
}

export const OnboardingRef = builder.objectRef<OnboardingSnapshot>('Onboarding');

builder.node(OnboardingRef, {
  id: { resolve: (s) => s.onboarding.id },
  loadOne: (id, ctx) => ctx.onboardings.get(id),
  isTypeOf: (value) =>
    typeof value === 'object' && value !== null && 'onboarding' in value && 'steps' in value,
  fields: (t) => ({
    clientIdentifier: t.string({ resolve: (s) => s.onboarding.clientIdentifier }),
    attempt: t.int({
      description:
        'Which of the customer’s onboardings this is: 1 for the first, one more each time the customer started again.',
      resolve: (s) => s.onboarding.attempt,
    }),
    previousAttempts: t.field({
      type: [OnboardingRef],
      description:
        'The customer’s earlier onboardings (cancelled or failed), newest first. For API keys only: a session token sees its own onboarding and nothing else.',
      // A browser session is issued for one attempt; the customer's history is the vendor's.
      authScopes: { read: true },
      resolve: (s, _args, ctx) => ctx.onboardings.previousAttempts(s),
    }),
    displayName: t.string({ resolve: (s) => s.onboarding.displayName }),
    signupPath: t.field({ type: SignupPathEnum, resolve: (s) => s.onboarding.signupPath }),
    region: t.field({ type: RegionEnum, resolve: (s) => s.onboarding.region }),
    metaLocalStorage: t.string({ nullable: true, resolve: (s) => s.onboarding.metaLocalStorage }),
    labels: t.field({
      type: [LabelRef],
      resolve: (s) => Object.entries(s.onboarding.labels).map(([key, value]) => ({ key, value })),
    }),
    autoProvision: t.boolean({ resolve: (s) => s.onboarding.autoProvision }),
    status: t.field({ type: OnboardingStatusEnum, resolve: (s) => s.onboarding.status }),
    version: t.int({
      description: 'Increases with every change: subscription updates arrive in version order.',
      resolve: (s) => s.onboarding.version,
    }),
    iframeUrl: t.string({
      nullable: true,
      description:
        'Embed this for the customer. Valid until `iframeUrlExpiresAt`; refreshOnboardingLink issues a new one.',
      resolve: (s) => s.onboarding.iframeUrl,
    }),
    iframeUrlExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (s) => s.onboarding.iframeUrlExpiresAt,
    }),
    sendzenProjectId: t.string({ nullable: true, resolve: (s) => s.onboarding.sendzenProjectId }),
    hasSendzenApiKey: t.boolean({ resolve: (s) => s.onboarding.sendzenApiKeySealed !== null }),
    sendzenApiKeyPreview: t.string({
      nullable: true,
      description: 'The customer’s SendZen API key’s last four characters.',
      resolve: (s) =>
        s.onboarding.sendzenApiKeyLast4 ? `…${s.onboarding.sendzenApiKeyLast4}` : null,
    }),
    subprojectId: t.string({ nullable: true, resolve: (s) => s.onboarding.subprojectId }),
    signup: t.field({
      type: SignupRef,
      nullable: true,
      resolve: (s) => (s.onboarding.signupStatus ? s : null),
    }),
    steps: t.field({
      type: [StepRef],
      description:
        'The onboarding’s own steps; a number added later lists its own in `phoneNumbers`.',
      resolve: (s) =>
        stepViews(
          s.steps.filter((step) => step.number === ''),
          s.onboarding,
        ),
    }),
    actionRequired: t.field({
      type: ActionRequiredRef,
      nullable: true,
      resolve: (s) => s.steps.find((step) => step.status === 'FAILED') ?? null,
    }),
    events: t.connection({
      type: OnboardingEventRef,
      description: 'The event log, oldest first.',
      validate: forwardPage(z.number().int().min(1), z.string().regex(/^\d+$/, NOT_A_CURSOR)),
      resolve: async (s, args, ctx) => {
        const first = Math.min(args.first ?? 50, 200);
        const after = args.after ? Number(args.after) : undefined;
        const page = await ctx.onboardings.events(s.onboarding.id, {
          first,
          after: Number.isNaN(after) ? undefined : after,
        });
        return {
          edges: page.rows.map((row) => ({ cursor: String(row.id), node: row })),
          pageInfo: {
            hasNextPage: page.hasNextPage,
            hasPreviousPage: after !== undefined,
            startCursor: page.rows[0] ? String(page.rows[0].id) : null,
            endCursor: page.rows.at(-1) ? String(page.rows.at(-1)!.id) : null,
          },
        };
      },
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (s) => s.onboarding.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (s) => s.onboarding.updatedAt }),
    cancelledAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (s) => s.onboarding.cancelledAt,
    }),
  }),
});

const LabelInput = builder.inputType('LabelInput', {
  fields: (t) => ({
    key: t.string({
      required: true,
      validate: plainText()
        .min(1)
        .max(63)
        .regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, _ . -'),
    }),
    value: t.string({ required: true, validate: plainText().min(1).max(255) }),
  }),
});

// The domain's input field for field, so a field added to one and not the other does not compile.
export const OnboardCustomerInput = builder.inputType('OnboardCustomerInput', {
  fields: (t) =>
    ({
      clientIdentifier: t.string({
        required: true,
        description:
          'Your id for the customer (email, user id, ...). Onboarding the same one again returns its latest onboarding, unless that one was cancelled: then a new attempt starts.',
        validate: plainText().trim().min(1, 'must not be empty').max(255),
      }),
      displayName: t.string({ required: false, validate: plainText().trim().min(1).max(255) }),
      region: t.field({ type: RegionEnum, required: false, description: 'Defaults to US.' }),
      metaLocalStorage: t.field({ type: MetaLocalStorageEnum, required: false }),
      labels: t.field({
        type: [LabelInput],
        required: false,
        validate: z
          .array(z.object({ key: z.string(), value: z.string() }))
          .max(50)
          .refine(
            (labels) => new Set(labels.map((l) => l.key)).size === labels.length,
            'label keys must be unique',
          )
          .refine(
            (labels) => !labels.some((l) => l.key === 'gateway-onboarding-id'),
            'gateway-onboarding-id is reserved',
          ),
      }),
      autoProvision: t.boolean({
        required: false,
        description:
          'Create the sender, app and webhook as soon as the signup completes (default true). With false, call createSender and createConversationApp yourself.',
      }),
      signupPath: t.field({
        type: SignupPathEnum,
        required: false,
        description:
          'SENDZEN (the default) or META_EMBEDDED_SIGNUP. On Meta’s path `metaSignupLaunch` says what your page needs to launch Embedded Signup.',
      }),
      startAgain: t.boolean({
        required: false,
        description:
          'When the customer’s latest onboarding is ACTION_REQUIRED: true cancels it and starts a new attempt (the customer signs up again), false (the default) returns it (retryOnboarding may still fix it). A CANCELLED one is always followed by a new attempt; one in progress or READY is returned whatever this says (cancel it first to start again).',
      }),
    }) satisfies Record<keyof DomainOnboardCustomerInput, unknown>,
});

export const OnboardCustomerPayload = builder
  .objectRef<{
    created: boolean;
    onboarding: OnboardingSnapshot;
    session: { token: string; expiresAt: number };
  }>('OnboardCustomerPayload')
  .implement({
    fields: (t) => ({
      created: t.exposeBoolean('created', {
        description:
          'False when the customer’s latest onboarding is returned; true when a new one (a first, or a new attempt) was started.',
      }),
      onboarding: t.field({ type: OnboardingRef, resolve: (p) => p.onboarding }),
      sessionToken: t.string({
        description:
          'Hand this (not your API key) to the browser: it may read and watch this onboarding and relay its signup result, for an hour.',
        resolve: (p) => p.session.token,
      }),
      sessionExpiresAt: t.field({ type: 'DateTime', resolve: (p) => p.session.expiresAt }),
    }),
  });

const SignupStatusEnum = builder.enumType('SignupStatus', {
  values: ['COMPLETED', 'FAILED'] as const,
});

export const RelaySignupResultInput = builder.inputType('RelaySignupResultInput', {
  description: 'What the SendZen iframe posted to your page (window.postMessage), relayed as is.',
  // The domain's relayed signup field for field, plus the onboarding it is for.
  fields: (t) =>
    ({
      onboardingId: t.id({ required: true }),
      status: t.field({ type: SignupStatusEnum, required: true }),
      wabaId: t.string({
        required: false,
        validate: z.string().regex(/^\d{1,32}$/, 'must be a numeric id'),
      }),
      phoneNumberId: t.string({
        required: false,
        validate: z.string().regex(/^\d{1,32}$/, 'must be a numeric id'),
      }),
      projectId: t.string({ required: false, validate: plainText().min(1).max(255) }),
      clientIdentifier: t.string({ required: false, validate: plainText().min(1).max(255) }),
      code: t.string({
        required: false,
        description:
          'Meta’s Embedded Signup authorization code (`FB.login`’s `authResponse.code`), if your page has it. With it, provisioning starts at once: the gateway hands it to Sinch with the sender create, and Sinch verifies it (it lives about 30 seconds and is good once).',
        validate: plainText().min(1).max(4096),
      }),
      message: t.string({ required: false, validate: z.string().max(2000) }),
    }) satisfies Record<keyof RelayedSignup | 'onboardingId', unknown>,
  validate: z
    .object({
      status: z.string(),
      wabaId: z.string().nullish(),
      phoneNumberId: z.string().nullish(),
    })
    .loose()
    .refine((v) => v.status !== 'COMPLETED' || Boolean(v.wabaId), {
      message: 'is required when status is COMPLETED',
      path: ['wabaId'],
    })
    .refine((v) => v.status !== 'COMPLETED' || Boolean(v.phoneNumberId), {
      message: 'is required when status is COMPLETED',
      path: ['phoneNumberId'],
    }),
});
