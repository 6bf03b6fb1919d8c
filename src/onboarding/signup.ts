// The customer's signup result can arrive twice: from the frontend relaying the iframe's
// postMessage, and from SendZen's webhook. Both go through here. A repeat changes nothing; a
// disagreement is written to the event log and the webhook wins (the relay passed through a
// browser); a failure reported after a completion never moves the signup backwards.
import { eq } from 'drizzle-orm';
import { onboardings } from '../db/schema.ts';
import type { SignupResult } from '../upstreams/sendzen/contract.ts';
import { change, type EventDraft, errorColumns, type Tx, updateStep } from './changes.ts';
import type { OnboardingDeps } from './deps.ts';
import { InvalidInputError } from './errors.ts';
import { sealOnboardingSecret } from './secrets.ts';
import { type OnboardingSnapshot, stepOf } from './snapshot.ts';

export type SignupSource = 'webhook' | 'relay' | 'manual';

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
    (o.wabaId === result.waba_id && o.phoneNumberId === result.phone_number_id)
  );
}

export function recordSignupResult(
  deps: OnboardingDeps,
  onboardingId: string,
  report: SignupReport,
): OnboardingSnapshot {
  return change(deps, onboardingId, (tx, current) => {
    const { onboarding } = current;
    const { result, source } = report;
    if (result.client_identifier !== onboarding.clientIdentifier) {
      throw new InvalidInputError(
        'clientIdentifier',
        'The signup result belongs to another customer',
      );
    }
    if (onboarding.sendzenProjectId && result.project_id !== onboarding.sendzenProjectId) {
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
      tx.update(onboardings)
        .set({ signupSource: 'webhook' })
        .where(eq(onboardings.id, onboarding.id))
        .run();
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
    events.push(...setSignup(tx, deps, current, report, deps.now()));
    return events;
  });
}

function setSignup(
  tx: Tx,
  deps: OnboardingDeps,
  current: OnboardingSnapshot,
  report: SignupReport,
  at: number,
): EventDraft[] {
  const { onboarding } = current;
  const { result, source } = report;
  const completed = result.status === 'completed';
  tx.update(onboardings)
    .set({
      signupStatus: result.status,
      signupSource: source,
      wabaId: completed ? result.waba_id : null,
      phoneNumberId: completed ? result.phone_number_id : null,
      signupMessage: completed ? null : result.message,
      signupCodeSealed: report.code
        ? sealOnboardingSecret(deps.sealer, onboarding.id, 'signup_code', report.code)
        : completed
          ? onboarding.signupCodeSealed
          : null,
    })
    .where(eq(onboardings.id, onboarding.id))
    .run();

  if (completed) {
    updateStep(tx, onboarding.id, 'CUSTOMER_SIGNUP', at, {
      status: 'SUCCEEDED',
      finishedAt: at,
      upstreamId: result.waba_id,
      ...errorColumns(null),
    });
  } else {
    updateStep(tx, onboarding.id, 'CUSTOMER_SIGNUP', at, {
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
          message: `The customer completed the signup (WABA ${result.waba_id}, phone number id ${result.phone_number_id}), reported by the ${source}`,
          data: { wabaId: result.waba_id, phoneNumberId: result.phone_number_id, source },
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
  const sender = stepOf(current, 'WHATSAPP_SENDER');
  const changedIds =
    !completed ||
    onboarding.phoneNumberId !== result.phone_number_id ||
    onboarding.wabaId !== result.waba_id;
  if (sender.status !== 'PENDING' && onboarding.phoneNumberId !== null && changedIds) {
    updateStep(tx, onboarding.id, 'WHATSAPP_SENDER', at, {
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
