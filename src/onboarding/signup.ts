// The customer's signup result can arrive twice: from the vendor's page relaying the iframe's
// postMessage, and from SendZen's webhook. Both go through here.
//
// What a browser says is a hint, never a reason to create anything upstream: anyone holding the
// onboarding's session token can say it. A relayed completion is shown at once and held, with the
// step still WAITING, until a source the gateway can verify confirms it: SendZen's webhook (which
// proves it knows the onboarding's secret webhook path), or Meta's authorization code relayed with
// it, which Sinch verifies when the sender is created with it (a forged one is refused there, and
// nothing is made). A hint nobody confirms within the configured window asks for action. A
// relayed failure is applied at once: it creates nothing, it only stops.
//
// A repeat changes nothing; a disagreement is written to the event log and the webhook wins; a
// failure reported after a completion never moves the signup backwards.
import type { OnboardingDraft, OnboardingSnapshot } from '../db/store.ts';
import { change } from './changes.ts';
import type { OnboardingDeps } from './deps.ts';
import { type EventDraft, errorColumns, stepOf, updateStep } from './draft.ts';
import { InvalidInputError } from './errors.ts';
import { sealOnboardingSecret } from './secrets.ts';

export type SignupSource = 'webhook' | 'relay' | 'manual';

/** What the customer's signup came to, in the product's words (not SendZen's wire shape). */
export type SignupResult = { projectId: string; clientIdentifier: string } & (
  | { status: 'completed'; wabaId: string; phoneNumberId: string }
  | { status: 'failed'; message: string }
);

export interface SignupReport {
  result: SignupResult;
  /** Meta's exchangeable Embedded Signup code, when the frontend has it. */
  code?: string;
  source: SignupSource;
}

/** The code the step's error carries while a relayed completion went unconfirmed too long. */
export const SIGNUP_NOT_CONFIRMED = 'SIGNUP_NOT_CONFIRMED';

function sameResult(snapshot: OnboardingSnapshot, result: SignupResult): boolean {
  const o = snapshot.onboarding;
  if (o.signupStatus !== result.status) return false;
  return (
    result.status === 'failed' ||
    (o.wabaId === result.wabaId && o.phoneNumberId === result.phoneNumberId)
  );
}

/** Whether a report may move the onboarding on by itself (see the file's head). */
function isVerifiable(report: SignupReport): boolean {
  return (
    report.source !== 'relay' || report.result.status === 'failed' || report.code !== undefined
  );
}

/**
 * Whether the onboarding holds a completion the page relayed that no verifiable source has
 * confirmed yet: shown, but the signup step still waits.
 */
export function awaitingConfirmation(snapshot: Pick<OnboardingSnapshot, 'onboarding' | 'steps'>) {
  const { onboarding } = snapshot;
  return (
    onboarding.signupSource === 'relay' &&
    onboarding.signupStatus === 'completed' &&
    stepOf(snapshot, 'CUSTOMER_SIGNUP').status !== 'SUCCEEDED'
  );
}

export function recordSignupResult(
  deps: OnboardingDeps,
  onboardingId: string,
  report: SignupReport,
): Promise<OnboardingSnapshot> {
  return change(deps, onboardingId, (current) => {
    const { onboarding } = current;
    const { result, source } = report;
    if (result.clientIdentifier !== onboarding.clientIdentifier) {
      throw new InvalidInputError(
        'clientIdentifier',
        'The signup result belongs to another customer',
      );
    }
    if (onboarding.sendzenProjectId && result.projectId !== onboarding.sendzenProjectId) {
      throw new InvalidInputError(
        'projectId',
        'The signup result belongs to another SendZen project',
      );
    }
    if (onboarding.cancelledAt !== null) {
      return [
        {
          type: 'signup.ignored',
          message: `A ${source} signup result arrived after the onboarding was cancelled`,
        },
      ];
    }

    const previous = onboarding.signupStatus ? onboarding.signupSource : null;
    const now = deps.now();
    const hint = awaitingConfirmation(current);
    if (previous && sameResult(current, result)) {
      if (source === 'webhook' && previous !== 'webhook') {
        const confirmed: EventDraft = {
          type: 'signup.confirmed',
          step: 'CUSTOMER_SIGNUP',
          message: `SendZen's webhook confirmed the signup result relayed by the frontend`,
        };
        if (!hint) {
          onboarding.signupSource = 'webhook';
          return [confirmed];
        }
        return [confirmed, ...setSignup(current, deps, report, now)];
      }
      // The same completion again, now with Meta's code: verifiable at last.
      if (!(hint && isVerifiable(report))) return [];
    }

    const events: EventDraft[] = [];
    if (previous) {
      const detail = {
        previous: { source: previous, status: onboarding.signupStatus },
        incoming: { source, status: result.status },
      };
      if (previous === 'webhook' && source !== 'webhook') {
        return [
          {
            type: 'signup.disagreement',
            step: 'CUSTOMER_SIGNUP',
            message: `The ${source} reported "${result.status}" but SendZen's webhook said "${onboarding.signupStatus}"; the webhook's result stands`,
            data: detail,
          },
        ];
      }
      if (
        previous === source &&
        onboarding.signupStatus === 'completed' &&
        result.status === 'failed'
      ) {
        return [
          {
            type: 'signup.ignored',
            step: 'CUSTOMER_SIGNUP',
            message: 'A failure was reported after the signup had completed; the completion stands',
            data: detail,
          },
        ];
      }
      if (previous !== source) {
        events.push({
          type: 'signup.disagreement',
          step: 'CUSTOMER_SIGNUP',
          message: `SendZen's webhook reported "${result.status}" where the ${previous} had reported "${onboarding.signupStatus}"; the webhook's result wins`,
          data: detail,
        });
      }
    }
    if (!isVerifiable(report) && stepOf(current, 'CUSTOMER_SIGNUP').status === 'SUCCEEDED') {
      // A verified signup stands: a browser's word without proof cannot undo it.
      return [
        {
          type: 'signup.ignored',
          step: 'CUSTOMER_SIGNUP',
          message: `A ${source} result without proof cannot replace the verified signup; the verified one stands`,
        },
      ];
    }
    events.push(
      ...(isVerifiable(report)
        ? setSignup(current, deps, report, now)
        : holdForConfirmation(current, report, now, deps.pipeline.signupConfirmationWindowMs)),
    );
    return events;
  });
}

/**
 * A failed signup waits for the customer again (a new link, or Meta's flow launched again): what
 * it reported is cleared. Whether there was a failed signup to reopen.
 */
export function reopenSignup(draft: OnboardingDraft, at: number): boolean {
  if (stepOf(draft, 'CUSTOMER_SIGNUP').status !== 'FAILED') return false;
  Object.assign(draft.onboarding, { signupStatus: null, signupSource: null, signupMessage: null });
  updateStep(draft, 'CUSTOMER_SIGNUP', at, {
    status: 'WAITING',
    finishedAt: null,
    ...errorColumns(null),
  });
  return true;
}

/**
 * Shows a completion the page relayed without Meta's code, and waits for SendZen's webhook: the
 * step stays WAITING, due again when the window closes (`signupConfirmationOverdue`).
 */
function holdForConfirmation(
  draft: OnboardingDraft,
  report: SignupReport,
  at: number,
  windowMs: number,
): EventDraft[] {
  const { result } = report;
  if (result.status !== 'completed') return [];
  Object.assign(draft.onboarding, {
    signupStatus: 'completed',
    signupSource: 'relay',
    wabaId: result.wabaId,
    phoneNumberId: result.phoneNumberId,
    signupMessage: null,
    signupCodeSealed: null,
  });
  const until = at + windowMs;
  updateStep(draft, 'CUSTOMER_SIGNUP', at, {
    status: 'WAITING',
    nextAttemptAt: until,
    finishedAt: null,
    upstreamId: null,
    ...errorColumns(null),
  });
  return [
    {
      type: 'signup.relayed',
      step: 'CUSTOMER_SIGNUP',
      message: `The frontend reported the signup completed (WABA ${result.wabaId}, phone number id ${result.phoneNumberId}); nothing is created until SendZen's webhook confirms it (waiting until ${new Date(until).toISOString()})`,
      data: { wabaId: result.wabaId, phoneNumberId: result.phoneNumberId, until },
    },
  ];
}

/**
 * The confirmation window of a relayed completion has closed with no word from SendZen: the
 * signup step asks for action. A late webhook still confirms it (the webhook always wins).
 */
export function signupConfirmationOverdue(draft: OnboardingDraft, now: number): EventDraft[] {
  const step = stepOf(draft, 'CUSTOMER_SIGNUP');
  if (step.status !== 'WAITING' || step.nextAttemptAt === null || step.nextAttemptAt > now) {
    return [];
  }
  step.nextAttemptAt = null;
  if (draft.onboarding.cancelledAt !== null || !awaitingConfirmation(draft)) return [];
  const message =
    "The frontend reported the signup completed, but SendZen's webhook has not confirmed it, so nothing was created for it. Check that SendZen can reach the gateway's webhook URL; a late confirmation still continues the onboarding, and retrying gives the customer a new link to sign up again.";
  updateStep(draft, 'CUSTOMER_SIGNUP', now, {
    status: 'FAILED',
    finishedAt: now,
    ...errorColumns({ upstream: 'sendzen', code: SIGNUP_NOT_CONFIRMED, message, retryable: true }),
  });
  return [
    {
      type: 'signup.unconfirmed',
      step: 'CUSTOMER_SIGNUP',
      message,
      data: { code: SIGNUP_NOT_CONFIRMED },
    },
  ];
}

function setSignup(
  draft: OnboardingDraft,
  deps: OnboardingDeps,
  report: SignupReport,
  at: number,
): EventDraft[] {
  const { onboarding } = draft;
  const previous = { wabaId: onboarding.wabaId, phoneNumberId: onboarding.phoneNumberId };
  const { result, source } = report;
  const completed = result.status === 'completed';
  Object.assign(onboarding, {
    signupStatus: result.status,
    signupSource: source,
    wabaId: completed ? result.wabaId : null,
    phoneNumberId: completed ? result.phoneNumberId : null,
    signupMessage: completed ? null : result.message,
    signupCodeSealed: report.code
      ? sealOnboardingSecret(deps.sealer, onboarding.id, 'signup_code', report.code)
      : completed
        ? onboarding.signupCodeSealed
        : null,
  });

  if (completed) {
    updateStep(draft, 'CUSTOMER_SIGNUP', at, {
      status: 'SUCCEEDED',
      finishedAt: at,
      nextAttemptAt: null,
      upstreamId: result.wabaId,
      ...errorColumns(null),
    });
  } else {
    updateStep(draft, 'CUSTOMER_SIGNUP', at, {
      status: 'FAILED',
      finishedAt: at,
      nextAttemptAt: null,
      ...errorColumns({
        upstream: 'sendzen',
        code: 'SIGNUP_FAILED',
        message: result.message,
        retryable: true,
      }),
    });
  }
  const events: EventDraft[] = [
    completed
      ? {
          type: 'signup.completed',
          step: 'CUSTOMER_SIGNUP',
          message: `The customer completed the signup (WABA ${result.wabaId}, phone number id ${result.phoneNumberId}), reported by the ${source}`,
          data: { wabaId: result.wabaId, phoneNumberId: result.phoneNumberId, source },
        }
      : {
          type: 'signup.failed',
          step: 'CUSTOMER_SIGNUP',
          message: `The signup did not complete: ${result.message}`,
          data: { source },
        },
  ];

  // A sender already made from other ids no longer fits the customer's number: a person retries,
  // and the retry replaces it.
  const sender = stepOf(draft, 'WHATSAPP_SENDER');
  const changedIds =
    !completed ||
    previous.phoneNumberId !== result.phoneNumberId ||
    previous.wabaId !== result.wabaId;
  if (sender.status !== 'PENDING' && previous.phoneNumberId !== null && changedIds) {
    updateStep(draft, 'WHATSAPP_SENDER', at, {
      status: 'FAILED',
      finishedAt: at,
      ...errorColumns({
        code: 'SIGNUP_RESULT_CHANGED',
        message:
          'The signup result changed after the sender was created; retry to replace the sender',
        retryable: true,
      }),
    });
  }
  return events;
}
