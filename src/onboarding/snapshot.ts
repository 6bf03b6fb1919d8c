// An onboarding with everything a reader shows beside it, read in one go. Subscribers receive one of
// these per change, built once and shared by every subscriber.
import { asc, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import {
  type AppWebhookRow,
  appWebhooks,
  type ConversationAppRow,
  conversationApps,
  type OnboardingRow,
  onboardings,
  type SenderRow,
  type StepRow,
  senders,
  steps,
} from '../db/schema.ts';
import { stepOrder } from './plan.ts';

export interface OnboardingSnapshot {
  onboarding: OnboardingRow;
  steps: StepRow[];
  /** The onboarding's current sender: the newest one (a retry may have replaced a failed one). */
  sender: SenderRow | null;
  app: ConversationAppRow | null;
  webhooks: AppWebhookRow[];
}

/** Works inside a transaction too: `db` may be the transaction handle. */
export function loadSnapshot(
  db: Pick<Db, 'select'>,
  onboardingId: string,
): OnboardingSnapshot | null {
  const onboarding = db.select().from(onboardings).where(eq(onboardings.id, onboardingId)).get();
  if (!onboarding) return null;
  const stepRows = db
    .select()
    .from(steps)
    .where(eq(steps.onboardingId, onboardingId))
    .all()
    .sort((a, b) => stepOrder(a.name) - stepOrder(b.name));
  const sender =
    db
      .select()
      .from(senders)
      .where(eq(senders.onboardingId, onboardingId))
      .orderBy(desc(senders.createdAt), desc(senders.id))
      .get() ?? null;
  const app =
    db
      .select()
      .from(conversationApps)
      .where(eq(conversationApps.onboardingId, onboardingId))
      .orderBy(desc(conversationApps.createdAt))
      .get() ?? null;
  const webhooks = db
    .select()
    .from(appWebhooks)
    .where(eq(appWebhooks.onboardingId, onboardingId))
    .orderBy(asc(appWebhooks.createdAt))
    .all();
  return { onboarding, steps: stepRows, sender, app, webhooks };
}

export function stepOf(snapshot: OnboardingSnapshot, name: StepRow['name']): StepRow {
  const step = snapshot.steps.find((s) => s.name === name);
  if (!step) throw new Error(`onboarding ${snapshot.onboarding.id} has no step ${name}`);
  return step;
}
