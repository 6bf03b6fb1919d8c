// The customer's signup result can arrive twice: from the frontend relaying the iframe's
// postMessage, and from SendZen's webhook. Both go through here. A repeat changes nothing; a
// disagreement is written to the event log and the webhook wins (the relay passed through a
// browser); a failure reported after a completion never moves the signup backwards.
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

function sameResult(snapshot: OnboardingSnapshot, result: SignupResult): boolean {
  const o = snapshot.onboarding;
  if (o.signupStatus !== result.status) return false;
  return (
    result.status === 'failed' ||
    (o.wabaId === result.wabaId && o.phoneNumberId === result.phoneNumberId)
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
    if (previous && sameResult(current, result)) {
      if (previous === source || source !== 'webhook') return [];
      onboarding.signupSource = 'webhook';
      return [
        {
          type: 'signup.confirmed',
          step: 'CUSTOMER_SIGNUP',
          message: `SendZen's webhook confirmed the signup result relayed by the frontend`,
        },
      ];
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
    events.push(...setSignup(current, deps, report, deps.now()));
    return events;
  });
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
      upstreamId: result.wabaId,
      ...errorColumns(null),
    });
  } else {
    updateStep(draft, 'CUSTOMER_SIGNUP', at, {
      status: 'FAILED',
      finishedAt: at,
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
