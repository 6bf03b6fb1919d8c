// Editing a draft of an onboarding inside a change: the helpers every change uses, kept apart
// from the plan so that steps and the rules they share import nothing that imports them back.
import type { StepRow } from '../db/schema.ts';
import type { OnboardingDraft, OnboardingSnapshot } from '../db/store.ts';
import type { StepName } from './step-names.ts';

/** What a change says happened; becomes a row of the onboarding's event log. */
export interface EventDraft {
  type: string;
  message: string;
  step?: StepName;
  /** Identifiers and codes only: never a secret. */
  data?: Record<string, unknown>;
}

export function stepOf(snapshot: Pick<OnboardingSnapshot, 'steps'>, name: StepName): StepRow {
  const step = snapshot.steps.find((s) => s.name === name);
  if (!step) throw new Error(`the onboarding has no step ${name}`);
  return step;
}

export function updateStep(
  draft: OnboardingDraft,
  name: StepName,
  now: number,
  patch: Partial<Omit<StepRow, 'onboardingId' | 'name'>>,
): void {
  const step = stepOf(draft, name);
  Object.assign(step, patch, { updatedAt: now });
  // A claim is held only while the step runs: whatever moves it on releases it.
  if (step.status !== 'RUNNING' && step.claimedBy !== null) {
    step.claimedBy = null;
    step.leaseUntil = null;
  }
}

/** A step's error columns from a failure, or cleared. */
export function errorColumns(
  error: { upstream?: string; code?: string; message: string; retryable: boolean } | null,
) {
  return {
    errorUpstream: error?.upstream ?? null,
    errorCode: error?.code ?? null,
    errorMessage: error?.message ?? null,
    errorRetryable: error ? error.retryable : null,
  };
}
