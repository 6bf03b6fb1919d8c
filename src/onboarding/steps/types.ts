// The contract between a step and the runner: a step does its upstream work and says what came of
// it; the runner owns claiming, recording, retries, scheduling and reconciliation.
import type { StepRow } from '../../db/schema.ts';
import type { OnboardingDraft, OnboardingSnapshot } from '../../db/store.ts';
import type { OnboardingDeps } from '../deps.ts';

export interface StepResult {
  /** FAILED: the upstream finished the work and it failed; a person decides what next. */
  status: 'SUCCEEDED' | 'WAITING' | 'FAILED';
  failure?: { upstream: string; code: string; message: string; retryable: boolean };
  upstreamId?: string;
  message: string;
  /** For WAITING: when to look again if nothing arrives first. */
  pollAt?: number;
  /**
   * Stores what the step produced in the draft. Runs in the recording change even when the
   * runner's claim was lost meanwhile (a callback got there first), so a created resource is never
   * forgotten. May return the step's settled status when it depends on what is stored.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: most record functions only store and return nothing
  record?: (draft: OnboardingDraft, now: number) => Settled | void;
  data?: Record<string, unknown>;
}

export type Settled = Pick<StepResult, 'status' | 'failure'>;

export type StepRun = (
  deps: OnboardingDeps,
  snapshot: OnboardingSnapshot,
  step: StepRow,
) => Promise<StepResult>;

/**
 * Removes every resource of the step's kind that belongs to this onboarding but is not the one the
 * step kept (`step.upstreamId`). Returns the ids it removed.
 */
export type StepReconcile = (
  deps: OnboardingDeps,
  snapshot: OnboardingSnapshot,
  step: StepRow,
) => Promise<string[]>;

/** A failure a step found itself (as opposed to an upstream's error). */
export class StepFailure extends Error {
  override readonly name = 'StepFailure';
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly upstream?: string,
  ) {
    super(message);
  }
}
