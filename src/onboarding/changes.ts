// Every change to an onboarding goes through `change()`: one synchronous SQLite transaction that
// applies the change, starts whatever became startable, re-derives the status, bumps the version,
// appends the change's events to the log, and, after commit, publishes the new snapshot.
// No network call happens in here (better-sqlite3 transactions are synchronous by design).
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { onboardingEvents, onboardings, type StepName, type StepRow, steps } from '../db/schema.ts';
import { type OnboardingPubSub, publishSnapshot } from './events.ts';
import { deriveStatus, startable } from './plan.ts';
import { loadSnapshot, type OnboardingSnapshot } from './snapshot.ts';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** What a change says happened; becomes a row of the onboarding's event log. */
export interface EventDraft {
  type: string;
  message: string;
  step?: StepName;
  /** Identifiers and codes only: never a secret. */
  data?: Record<string, unknown>;
}

export interface ChangeContext {
  db: Db;
  pubsub: OnboardingPubSub;
  now: () => number;
}

export type ChangeFn = (tx: Tx, current: OnboardingSnapshot) => EventDraft[] | undefined;

export class OnboardingNotFound extends Error {
  override readonly name = 'OnboardingNotFound';
}

/**
 * Applies `fn` to the onboarding. A change that reports no event changed nothing: no version bump,
 * nothing published. Returns the snapshot after the change. `before` runs first in the same
 * transaction: creating an onboarding inserts its rows there, so it is never half made.
 */
export function change(
  ctx: ChangeContext,
  onboardingId: string,
  fn: ChangeFn,
  options: { before?: (tx: Tx) => void } = {},
): OnboardingSnapshot {
  const result = ctx.db.transaction((tx) => {
    options.before?.(tx);
    const current = loadSnapshot(tx, onboardingId);
    if (!current) throw new OnboardingNotFound(onboardingId);
    const drafts = fn(tx, current) ?? [];
    if (drafts.length === 0) return { snapshot: current, changed: false };

    const now = ctx.now();
    const afterFn = loadSnapshot(tx, onboardingId)!;
    for (const schedule of startable(afterFn.onboarding, afterFn.steps, now)) {
      updateStep(tx, onboardingId, schedule.name, now, {
        status: schedule.status,
        nextAttemptAt: schedule.nextAttemptAt,
      });
      if (schedule.status === 'WAITING') {
        drafts.push({
          type: 'step.waiting',
          step: schedule.name,
          message: waitingMessage(schedule.name),
        });
      }
    }
    const settled = loadSnapshot(tx, onboardingId)!;
    const status = deriveStatus(settled.onboarding, settled.steps);
    const version = settled.onboarding.version + 1;
    tx.update(onboardings)
      .set({ status, version, updatedAt: now })
      .where(eq(onboardings.id, onboardingId))
      .run();
    if (status !== current.onboarding.status) {
      drafts.push({
        type: 'status.changed',
        message: `Status changed from ${current.onboarding.status} to ${status}`,
        data: { from: current.onboarding.status, to: status },
      });
    }
    for (const d of drafts) {
      tx.insert(onboardingEvents)
        .values({
          onboardingId,
          version,
          at: now,
          type: d.type,
          step: d.step ?? null,
          message: d.message,
          data: d.data ?? null,
        })
        .run();
    }
    return { snapshot: loadSnapshot(tx, onboardingId)!, changed: true };
  });
  if (result.changed) publishSnapshot(ctx.pubsub, result.snapshot);
  return result.snapshot;
}

export function updateStep(
  tx: Tx,
  onboardingId: string,
  name: StepName,
  now: number,
  patch: Partial<Omit<StepRow, 'onboardingId' | 'name'>>,
): void {
  tx.update(steps)
    .set({ ...patch, updatedAt: now })
    .where(and(eq(steps.onboardingId, onboardingId), eq(steps.name, name)))
    .run();
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

function waitingMessage(name: StepName): string {
  return name === 'CUSTOMER_SIGNUP'
    ? 'Waiting for the customer to complete the signup in the onboarding iframe'
    : `Waiting on ${name}`;
}
