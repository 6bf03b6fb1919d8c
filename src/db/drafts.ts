// What both stores do with a draft: copy a snapshot so a change can edit it, then find what the
// change edited. Rows are copied one level deep, so an untouched field (a JSON column's object
// included) keeps its identity and compares equal without a deep walk.
import type { SenderRow, StepRow } from './schema.ts';
import type { OnboardingSnapshot } from './store.ts';

export function copySnapshot(snapshot: OnboardingSnapshot): OnboardingSnapshot {
  const copy: OnboardingSnapshot = {
    onboarding: { ...snapshot.onboarding },
    steps: snapshot.steps.map((s) => ({ ...s })),
    senders: snapshot.senders.map((s) => ({ ...s })),
    sender: null,
    app: snapshot.app ? { ...snapshot.app } : null,
    webhooks: snapshot.webhooks.map((w) => ({ ...w })),
    testMessages: snapshot.testMessages.map((m) => ({ ...m })),
  };
  copy.sender = primarySender(copy);
  return copy;
}

/**
 * The first number's current sender: the newest one not made for a number added later (those
 * have steps of their own). Senders are held newest first.
 */
export function primarySender(
  snapshot: Pick<OnboardingSnapshot, 'steps' | 'senders'>,
): SenderRow | null {
  const added = new Set(snapshot.steps.map((s) => s.number).filter((n) => n !== ''));
  return snapshot.senders.find((s) => !added.has(s.phoneNumberId)) ?? null;
}

const stepKey = (s: Pick<StepRow, 'name' | 'number'>) => `${s.name} ${s.number}`;

/** The steps a change added, edited and removed, by their key (a number's steps come and go). */
export function stepChanges(before: readonly StepRow[], after: readonly StepRow[]) {
  const was = new Map(before.map((s) => [stepKey(s), s]));
  const is = new Set(after.map(stepKey));
  const added: StepRow[] = [];
  const changed: StepRow[] = [];
  for (const step of after) {
    const old = was.get(stepKey(step));
    if (!old) added.push(step);
    else if (differs(old, step)) changed.push(step);
  }
  return { added, changed, removed: before.filter((s) => !is.has(stepKey(s))) };
}

/** Whether any field differs (by identity: drafts keep the objects they do not replace). */
export function differs<Row extends object>(before: Row, after: Row): boolean {
  for (const key of Object.keys(after) as (keyof Row)[]) {
    if (before[key] !== after[key]) return true;
  }
  return false;
}
