// A step of an onboarding: what it is doing, how often it tried, what it produced, and what went
// wrong last.
import type { STEP_STATUSES, StepRow } from '../db/schema.ts';
import { PLAN, STEPS, type WaitingContext, waitingFor } from '../onboarding/plan.ts';
import { builder } from './builder.ts';

export const StepNameEnum = builder.enumType('StepName', {
  values: Object.fromEntries(PLAN.map((s) => [s.name, { description: s.description }])) as {
    [N in keyof typeof STEPS]: { description: string };
  },
});

export const StepStatusEnum = builder.enumType('StepStatus', {
  values: {
    PENDING: { description: 'Not started yet, or scheduled to try again at `nextAttemptAt`.' },
    RUNNING: { description: 'Calling the upstream now.' },
    WAITING: { description: 'Waiting for something outside the gateway: the customer, or Sinch.' },
    SUCCEEDED: {},
    FAILED: { description: 'Failed for good: see `error`, then retry the onboarding.' },
  } satisfies Record<(typeof STEP_STATUSES)[number], object>,
});

interface StepErrorShape {
  upstream: string | null;
  code: string;
  message: string;
  retryable: boolean;
}

const StepErrorRef = builder.objectRef<StepErrorShape>('StepError').implement({
  description: 'The last failure of a step (kept while it retries, so a person can see why).',
  fields: (t) => ({
    upstream: t.exposeString('upstream', {
      nullable: true,
      description: 'sendzen, sinch-subprojects, ... or null for the gateway itself.',
    }),
    code: t.exposeString('code', {
      description: 'The upstream’s own error code where it gave one.',
    }),
    message: t.exposeString('message'),
    retryable: t.exposeBoolean('retryable', { description: 'Whether a retry can help.' }),
  }),
});

/** A step with what its wait may depend on (the onboarding's path and number). */
export type StepView = StepRow & { context: WaitingContext };

export function stepViews(steps: readonly StepRow[], context: WaitingContext): StepView[] {
  return steps.map((step) => ({ ...step, context }));
}

export const StepRef = builder.objectRef<StepView>('Step').implement({
  fields: (t) => ({
    name: t.field({ type: StepNameEnum, resolve: (s) => s.name }),
    phoneNumberId: t.string({
      nullable: true,
      description: 'For a step of a number added later (addPhoneNumber): that number’s id.',
      resolve: (s) => s.number || null,
    }),
    label: t.string({ resolve: (s) => STEPS[s.name].label }),
    status: t.field({ type: StepStatusEnum, resolve: (s) => s.status }),
    attempts: t.exposeInt('attempts'),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.startedAt }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.finishedAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (s) => s.updatedAt }),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'When the gateway will act on this step next: a retry, a poll, or the end of a wait for confirmation.',
      resolve: (s) => (s.status === 'PENDING' || s.status === 'WAITING' ? s.nextAttemptAt : null),
    }),
    waitingFor: t.string({
      nullable: true,
      description: 'While WAITING: what the step waits for, in plain words.',
      resolve: (s) => (s.status === 'WAITING' ? waitingFor(s, s.context) : null),
    }),
    upstreamId: t.exposeString('upstreamId', {
      nullable: true,
      description:
        'The id of what the step made upstream: project, subproject, webhook, sender or app.',
    }),
    error: t.field({
      type: StepErrorRef,
      nullable: true,
      resolve: (s) =>
        s.errorMessage === null
          ? null
          : {
              upstream: s.errorUpstream,
              code: s.errorCode ?? 'UNKNOWN',
              message: s.errorMessage,
              retryable: s.errorRetryable ?? false,
            },
    }),
  }),
});
