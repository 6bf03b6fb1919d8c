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

/** A step of a phone number the customer added (`number` is its id), or, empty, the onboarding's. */
export interface StepKey {
  name: StepName;
  number: string;
}

/** A step by its key, or by its name alone for one of the onboarding's own steps. */
export type StepRef = StepName | StepKey;

export function keyOf(ref: StepRef): StepKey {
  return typeof ref === 'string' ? { name: ref, number: '' } : ref;
}

export function findStep(
  snapshot: Pick<OnboardingSnapshot, 'steps'>,
  ref: StepRef,
): StepRow | undefined {
  const { name, number } = keyOf(ref);
  return snapshot.steps.find((s) => s.name === name && s.number === number);
}

export function stepOf(snapshot: Pick<OnboardingSnapshot, 'steps'>, ref: StepRef): StepRow {
  const step = findStep(snapshot, ref);
  if (!step) {
    const { name, number } = keyOf(ref);
    throw new Error(`the onboarding has no step ${name}${number ? ` for number ${number}` : ''}`);
  }
  return step;
}

export function updateStep(
  draft: OnboardingDraft,
  ref: StepRef,
  now: number,
  patch: Partial<Omit<StepRow, 'onboardingId' | 'name' | 'number'>>,
): void {
  const step = stepOf(draft, ref);
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
