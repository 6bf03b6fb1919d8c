// The contract between a step and the runner: a step does its upstream work and says what came of
// it; the runner owns claiming, recording, retries and scheduling.
import type { StepRow } from '../../db/schema.ts';
import type { Tx } from '../changes.ts';
import type { OnboardingDeps } from '../deps.ts';
import type { OnboardingSnapshot } from '../snapshot.ts';

export interface StepResult {
  /** FAILED: the upstream finished the work and it failed; a person decides what next. */
  status: 'SUCCEEDED' | 'WAITING' | 'FAILED';
  failure?: { upstream: string; code: string; message: string; retryable: boolean };
  upstreamId?: string;
  message: string;
  /** For WAITING: when to look again if nothing arrives first. */
  pollAt?: number;
  /**
   * Stores what the step produced. Runs in the recording transaction even when the runner's claim
   * was lost meanwhile (a callback got there first), so a created resource is never forgotten.
   * May return the step's settled status when it depends on what is stored.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: most record functions only store and return nothing
  record?: (tx: Tx, now: number) => Settled | void;
  data?: Record<string, unknown>;
}

export type Settled = Pick<StepResult, 'status' | 'failure'>;

export type StepRun = (
  deps: OnboardingDeps,
  snapshot: OnboardingSnapshot,
  step: StepRow,
) => Promise<StepResult>;

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
