// What both stores do with a draft: copy a snapshot so a change can edit it, then find what the
// change edited. Rows are copied one level deep, so an untouched field (a JSON column's object
// included) keeps its identity and compares equal without a deep walk.
import type { OnboardingSnapshot } from './store.ts';

export function copySnapshot(snapshot: OnboardingSnapshot): OnboardingSnapshot {
  const senderRows = snapshot.senders.map((s) => ({ ...s }));
  return {
    onboarding: { ...snapshot.onboarding },
    steps: snapshot.steps.map((s) => ({ ...s })),
    senders: senderRows,
    sender: senderRows[0] ?? null,
    app: snapshot.app ? { ...snapshot.app } : null,
    webhooks: snapshot.webhooks.map((w) => ({ ...w })),
  };
}

/** Whether any field differs (by identity: drafts keep the objects they do not replace). */
export function differs<Row extends object>(before: Row, after: Row): boolean {
  for (const key of Object.keys(after) as (keyof Row)[]) {
    if (before[key] !== after[key]) return true;
  }
  return false;
}
