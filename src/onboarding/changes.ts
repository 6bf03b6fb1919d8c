// Every change to an onboarding goes through `change()`: the store loads the snapshot once and hands
// a draft of it to the change, in one transaction; the change edits the draft and says what
// happened; then whatever became startable is started, the status re-derived, the version bumped
// and the events appended, and after commit the new snapshot is published and every step that
// settled is counted. No network call happens in here: the draft is edited synchronously, inside
// the transaction.
import type { OnboardingStatus, StepStatus } from '../db/schema.ts';
import type { NewEvent, OnboardingDraft, OnboardingSnapshot } from '../db/store.ts';
import type { ChangeContext } from './deps.ts';
import { type EventDraft, stepOf, updateStep } from './draft.ts';
import { OnboardingNotFoundError } from './errors.ts';
import { deriveStatus, startable, waitingFor } from './plan.ts';

/**
 * Edits the draft and returns what happened. A change that reports no event still writes what it
 * edited, but bumps no version and publishes nothing (the runner's poll claim is such a change).
 */
export type ChangeFn = (draft: OnboardingDraft) => EventDraft[] | undefined;

/** Applies `fn` to the onboarding and returns the snapshot after the change. */
export async function change(
  ctx: ChangeContext,
  onboardingId: string,
  fn: ChangeFn,
): Promise<OnboardingSnapshot> {
  const outcome = await ctx.onboardingStore.update(onboardingId, (draft) => {
    const before = draft.steps.map((s) => s.status);
    const drafts = fn(draft) ?? [];
    if (drafts.length === 0) return { events: [], result: { published: false, before } };
    return { events: settle(draft, drafts, ctx.now()), result: { published: true, before } };
  });
  if (!outcome) throw new OnboardingNotFoundError(onboardingId);
  afterCommit(ctx, outcome.snapshot, outcome.result.published);
  countSettled(ctx, outcome.result.before, outcome.snapshot);
  return outcome.snapshot;
}

const SETTLED: Partial<Record<StepStatus, 'succeeded' | 'failed' | 'waiting'>> = {
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  WAITING: 'waiting',
};

/**
 * Counts each step whose status became SUCCEEDED, FAILED or WAITING. Here, because a step settles
 * in more ways than by an attempt (Sinch's activation callback and a poll finish the sender,
 * SendZen's webhook the signup), and every one of them is a change.
 */
function countSettled(ctx: ChangeContext, before: StepStatus[], after: OnboardingSnapshot): void {
  for (const [i, step] of after.steps.entries()) {
    const outcome = step.status !== before[i] ? SETTLED[step.status] : undefined;
    if (outcome) ctx.metrics.stepOutcome(step.name, outcome);
  }
}

/** Stores a new onboarding; false when its client identifier is already taken. */
export async function create(
  ctx: ChangeContext,
  draft: OnboardingDraft,
  drafts: EventDraft[],
): Promise<boolean> {
  const events = settle(draft, drafts, ctx.now());
  if (!(await ctx.onboardingStore.create(draft, events))) return false;
  afterCommit(ctx, draft, true);
  return true;
}

function afterCommit(ctx: ChangeContext, snapshot: OnboardingSnapshot, changed: boolean): void {
  if (changed) ctx.events.publish(snapshot);
  let next = Number.POSITIVE_INFINITY;
  for (const step of snapshot.steps) {
    if ((step.status === 'PENDING' || step.status === 'WAITING') && step.nextAttemptAt !== null)
      next = Math.min(next, step.nextAttemptAt);
    if (step.reconcileAt !== null) next = Math.min(next, step.reconcileAt);
  }
  if (next !== Number.POSITIVE_INFINITY) ctx.scheduled(next);
}

/**
 * Starts what became startable, re-derives the status and bumps the version: the same for every
 * change, so no change can forget one of them.
 */
function settle(draft: OnboardingDraft, drafts: EventDraft[], now: number): NewEvent[] {
  const { onboarding } = draft;
  const statusBefore: OnboardingStatus = onboarding.status;
  for (const schedule of startable(onboarding, draft.steps, now)) {
    updateStep(draft, schedule, now, {
      status: schedule.status,
      nextAttemptAt: schedule.nextAttemptAt,
    });
    if (schedule.status === 'WAITING') {
      drafts.push({
        type: 'step.waiting',
        step: schedule.name,
        message: `Waiting for ${waitingFor(stepOf(draft, schedule), onboarding)}`,
      });
    }
  }
  const status = deriveStatus(onboarding, draft.steps, draft);
  onboarding.status = status;
  onboarding.version += 1;
  onboarding.updatedAt = now;
  // A finished onboarding needs no browser any more: every session issued for it ends here.
  if (status !== statusBefore && (status === 'READY' || status === 'CANCELLED')) {
    onboarding.sessionGeneration += 1;
  }
  if (status !== statusBefore) {
    drafts.push({
      type: 'status.changed',
      message: `Status changed from ${statusBefore} to ${status}`,
      data: { from: statusBefore, to: status },
    });
  }
  return drafts.map((d) => ({
    version: onboarding.version,
    at: now,
    type: d.type,
    step: d.step ?? null,
    message: d.message,
    data: d.data ?? null,
  }));
}
