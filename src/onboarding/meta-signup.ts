// The second signup path: the vendor's own page runs Meta's Embedded Signup (FB.login) and relays
// what Meta posted to it, the `WA_EMBEDDED_SIGNUP` message (contracts F.2), with the authorization
// code FB.login's callback carried (F.3). There is no SendZen here to confirm anything: the code is
// the proof. It is handed to Sinch as the sender's `authenticationCode`, and Sinch refuses a code
// Meta did not issue for this WABA and number, so a forged completion creates nothing.
//
// What each event does:
// - FINISH: the WABA and number; provisioning starts at once (the code lives about 30 seconds).
// - FINISH_ONLY_WABA: a WABA without a number; the onboarding waits for addPhoneNumber.
// - FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING (coexistence): the number stays on the WhatsApp
//   Business app; recorded as such. Meta registers nothing for it, and neither does the gateway.
// - CANCEL: the customer left at `current_step`; the signup asks for action, and a new FINISH
//   (the customer tried again) continues it.
// - ERROR (and CANCEL's error variant): Meta's error, recorded as the signup's failure.
import { z } from 'zod';
import type { MetaSignupDetail } from '../db/schema.ts';
import type { OnboardingDraft, OnboardingSnapshot } from '../db/store.ts';
import { change } from './changes.ts';
import type { OnboardingDeps } from './deps.ts';
import { type EventDraft, errorColumns, stepOf, updateStep } from './draft.ts';
import { InvalidInputError } from './errors.ts';
import { sealOnboardingSecret } from './secrets.ts';

export const META_EVENTS = [
  'FINISH',
  'FINISH_ONLY_WABA',
  'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING',
  'CANCEL',
  'ERROR',
] as const;
export type MetaEvent = (typeof META_EVENTS)[number];

/** The step code of a signup the customer left, and of one Meta reported an error for. */
export const SIGNUP_CANCELLED = 'SIGNUP_CANCELLED';
export const META_SIGNUP_ERROR = 'META_SIGNUP_ERROR';

const metaId = z.string().regex(/^\d{1,32}$/, 'must be a numeric id');
const text = z.string().max(2000);

const envelopeSchema = z.object({
  type: z.literal('WA_EMBEDDED_SIGNUP', {
    error: 'is not a WA_EMBEDDED_SIGNUP message',
  }),
  event: z.string(),
  data: z.record(z.string(), z.unknown()).default({}),
  version: z.union([z.number(), z.string()]).optional(),
});

const dataSchemas = {
  FINISH: z.object({ waba_id: metaId, phone_number_id: metaId, business_id: metaId.optional() }),
  FINISH_ONLY_WABA: z.object({ waba_id: metaId, business_id: metaId.optional() }),
  FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING: z.object({
    waba_id: metaId,
    phone_number_id: metaId.optional(),
    business_id: metaId.optional(),
  }),
  CANCEL: z.object({
    current_step: text.optional(),
    error_message: text.optional(),
    error_id: text.optional(),
    session_id: text.optional(),
  }),
  ERROR: z.object({
    error_message: text.optional(),
    error_id: text.optional(),
    session_id: text.optional(),
  }),
} satisfies Record<MetaEvent, z.ZodType>;

/** Meta's message in the product's words. */
export type MetaSignup =
  | {
      kind: 'finished';
      event: Extract<MetaEvent, `FINISH${string}`>;
      wabaId: string;
      /** Null: the WABA came without a number (FINISH_ONLY_WABA, or coexistence without one). */
      phoneNumberId: string | null;
      businessId?: string;
      coexistence: boolean;
    }
  | { kind: 'left'; currentStep: string | null }
  | { kind: 'error'; errorMessage: string | null; errorId?: string; sessionId?: string };

/**
 * Reads the message as the page received it (`event.data`: usually a JSON string; an object is
 * tolerated). Anything else, an unknown event included, is refused, naming what was wrong.
 */
export function parseMetaMessage(raw: unknown): MetaSignup {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new InvalidInputError('message', 'The message is not JSON: relay event.data as is');
    }
  }
  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) {
    throw new InvalidInputError('message', `The message ${describe(envelope.error)}`);
  }
  const { event } = envelope.data;
  if (!(META_EVENTS as readonly string[]).includes(event)) {
    throw new InvalidInputError(
      'message',
      `Unknown Embedded Signup event "${event.slice(0, 80)}": expected one of ${META_EVENTS.join(', ')}`,
    );
  }
  const known = event as MetaEvent;
  const data = dataSchemas[known].safeParse(envelope.data.data);
  if (!data.success) {
    throw new InvalidInputError('message', `The ${known} message's data ${describe(data.error)}`);
  }
  const d = data.data as Record<string, string | undefined>;
  if (known === 'CANCEL' && d.error_message === undefined) {
    return { kind: 'left', currentStep: d.current_step ?? null };
  }
  if (known === 'CANCEL' || known === 'ERROR') {
    return {
      kind: 'error',
      errorMessage: d.error_message ?? null,
      ...(d.error_id ? { errorId: d.error_id } : {}),
      ...(d.session_id ? { sessionId: d.session_id } : {}),
    };
  }
  return {
    kind: 'finished',
    event: known,
    wabaId: d.waba_id!,
    // FINISH_ONLY_WABA means no number was registered, whatever else the data carries.
    phoneNumberId: known === 'FINISH_ONLY_WABA' ? null : (d.phone_number_id ?? null),
    ...(d.business_id ? { businessId: d.business_id } : {}),
    coexistence: known === 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING',
  };
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue?.path.length ? ` field ${issue.path.join('.')}` : '';
  return `is not one Meta's Embedded Signup sends:${where} ${issue?.message ?? 'invalid'}`;
}

/** Applies what the page relayed from Meta's Embedded Signup (see the file's head). */
export function recordMetaSignup(
  deps: OnboardingDeps,
  onboardingId: string,
  signup: MetaSignup,
  code: string | undefined,
): Promise<OnboardingSnapshot> {
  if (signup.kind === 'finished' && !code) {
    throw new InvalidInputError(
      'code',
      "Meta's authorization code is required with a FINISH message: relay FB.login's authResponse.code with it (it is what proves the signup)",
    );
  }
  return change(deps, onboardingId, (draft) => {
    const { onboarding } = draft;
    if (onboarding.cancelledAt !== null) {
      return [
        {
          type: 'signup.ignored',
          message: 'A Meta Embedded Signup message arrived after the onboarding was cancelled',
        },
      ];
    }
    const now = deps.now();
    const signupStep = stepOf(draft, 'CUSTOMER_SIGNUP');
    if (signupStep.status === 'SUCCEEDED') return afterSignup(draft, deps, signup, code, now);
    if (signup.kind === 'finished') return finished(draft, deps, signup, code!, now);
    return stopped(draft, signup, now);
  });
}

function sealCode(draft: OnboardingDraft, deps: OnboardingDeps, code: string): string {
  return sealOnboardingSecret(deps.sealer, draft.onboarding.id, 'signup_code', code);
}

function finished(
  draft: OnboardingDraft,
  deps: OnboardingDeps,
  signup: Extract<MetaSignup, { kind: 'finished' }>,
  code: string,
  at: number,
): EventDraft[] {
  const detail: MetaSignupDetail = {
    event: signup.event,
    ...(signup.businessId ? { businessId: signup.businessId } : {}),
  };
  Object.assign(draft.onboarding, {
    signupStatus: 'completed',
    signupSource: 'relay',
    wabaId: signup.wabaId,
    phoneNumberId: signup.phoneNumberId,
    signupMessage: null,
    // The code is Meta's proof for the number signed up with; a WABA alone gets its first number
    // later, long after the code has expired, and Sinch takes a number for an onboarded WABA
    // without one (the ASP guide's "add a number" call).
    signupCodeSealed: signup.phoneNumberId ? sealCode(draft, deps, code) : null,
    metaSignup: detail,
    coexistence: signup.coexistence,
  });
  updateStep(draft, 'CUSTOMER_SIGNUP', at, {
    status: 'SUCCEEDED',
    finishedAt: at,
    nextAttemptAt: null,
    upstreamId: signup.wabaId,
    ...errorColumns(null),
  });
  const number = signup.phoneNumberId
    ? `phone number id ${signup.phoneNumberId}`
    : 'no phone number yet: add one with addPhoneNumber';
  return [
    {
      type: 'signup.completed',
      step: 'CUSTOMER_SIGNUP',
      message: `The customer completed Meta's Embedded Signup (${signup.event}: WABA ${signup.wabaId}, ${number})${signup.coexistence ? '; the number stays on the WhatsApp Business app (coexistence)' : ''}`,
      data: {
        event: signup.event,
        wabaId: signup.wabaId,
        phoneNumberId: signup.phoneNumberId,
        coexistence: signup.coexistence,
        source: 'relay',
      },
    },
  ];
}

function stopped(
  draft: OnboardingDraft,
  signup: Exclude<MetaSignup, { kind: 'finished' }>,
  at: number,
): EventDraft[] {
  const left = signup.kind === 'left';
  const message = left
    ? `The customer left Meta's Embedded Signup${signup.currentStep ? ` at ${signup.currentStep}` : ''}. They can launch it again from your page; nothing was created.`
    : `Meta's Embedded Signup reported an error${signup.errorMessage ? `: ${signup.errorMessage}` : ''}${signup.errorId ? ` (error id ${signup.errorId})` : ''}. The customer can launch it again from your page.`;
  const detail: MetaSignupDetail = left
    ? { event: 'CANCEL', ...(signup.currentStep ? { currentStep: signup.currentStep } : {}) }
    : {
        event: 'ERROR',
        ...(signup.errorMessage ? { errorMessage: signup.errorMessage } : {}),
        ...(signup.errorId ? { errorId: signup.errorId } : {}),
        ...(signup.sessionId ? { sessionId: signup.sessionId } : {}),
      };
  Object.assign(draft.onboarding, {
    signupStatus: 'failed',
    signupSource: 'relay',
    signupMessage: message,
    signupCodeSealed: null,
    metaSignup: detail,
  });
  const code = left ? SIGNUP_CANCELLED : META_SIGNUP_ERROR;
  updateStep(draft, 'CUSTOMER_SIGNUP', at, {
    status: 'FAILED',
    finishedAt: at,
    nextAttemptAt: null,
    ...errorColumns({ upstream: 'meta', code, message, retryable: true }),
  });
  return [
    {
      type: left ? 'signup.cancelled' : 'signup.failed',
      step: 'CUSTOMER_SIGNUP',
      message,
      data: { code, ...detail },
    },
  ];
}

/**
 * A message after the signup succeeded. The same WABA and number with a fresh code is the page's
 * answer to an expired one (the customer ran Embedded Signup again): the code is kept and a sender
 * that failed for it tries again. Anything else cannot replace a signup that succeeded.
 */
function afterSignup(
  draft: OnboardingDraft,
  deps: OnboardingDeps,
  signup: MetaSignup,
  code: string | undefined,
  at: number,
): EventDraft[] {
  const { onboarding } = draft;
  const same =
    signup.kind === 'finished' &&
    signup.wabaId === onboarding.wabaId &&
    signup.phoneNumberId === onboarding.phoneNumberId &&
    signup.phoneNumberId !== null;
  if (!same || !code) {
    return [
      {
        type: 'signup.ignored',
        step: 'CUSTOMER_SIGNUP',
        message: `A Meta Embedded Signup ${signup.kind === 'finished' ? signup.event : signup.kind === 'left' ? 'CANCEL' : 'ERROR'} message arrived after the signup had completed; the completed signup stands (start the customer again to change it)`,
      },
    ];
  }
  onboarding.signupCodeSealed = sealCode(draft, deps, code);
  const sender = stepOf(draft, 'WHATSAPP_SENDER');
  const events: EventDraft[] = [
    {
      type: 'signup.code_renewed',
      step: 'CUSTOMER_SIGNUP',
      message: 'The page relayed a new Meta authorization code for the same WABA and number',
    },
  ];
  if (sender.status === 'FAILED') {
    updateStep(draft, 'WHATSAPP_SENDER', at, {
      status: 'PENDING',
      attempts: 0,
      nextAttemptAt: at,
      requestedAt: at,
      finishedAt: null,
    });
    events.push({
      type: 'step.retry_requested',
      step: 'WHATSAPP_SENDER',
      message: 'WhatsApp sender: a new authorization code arrived; it will run again',
    });
  }
  return events;
}

/** Whether the customer signs up through Meta's Embedded Signup on the vendor's page. */
export function isMetaPath(snapshot: Pick<OnboardingSnapshot, 'onboarding'>): boolean {
  return snapshot.onboarding.signupPath === 'META_EMBEDDED_SIGNUP';
}
