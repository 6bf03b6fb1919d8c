// The shape of an onboarding: which steps exist, what each waits for, and which ones the gateway
// starts by itself. Pure functions over rows, so the rules are testable without a database.
import type { OnboardingRow, OnboardingStatus, StepName, StepRow } from '../db/schema.ts';
import { STEP_NAMES } from '../db/schema.ts';

interface StepPlan {
  requires: readonly StepName[];
  /**
   * `always`: started as soon as its requirements succeed. `provisioning`: started by itself only
   * with automatic provisioning, otherwise by its mutation. `external`: never run by the gateway;
   * something outside (the customer's signup) completes it.
   */
  start: 'always' | 'provisioning' | 'external';
}

export const PLAN: Record<StepName, StepPlan> = {
  SENDZEN_PROJECT: { requires: [], start: 'always' },
  SINCH_SUBPROJECT: { requires: [], start: 'always' },
  PROVISIONING_WEBHOOK: { requires: ['SINCH_SUBPROJECT'], start: 'always' },
  CUSTOMER_SIGNUP: { requires: ['SENDZEN_PROJECT'], start: 'external' },
  WHATSAPP_SENDER: {
    requires: ['CUSTOMER_SIGNUP', 'PROVISIONING_WEBHOOK'],
    start: 'provisioning',
  },
  CONVERSATION_APP: { requires: ['WHATSAPP_SENDER'], start: 'provisioning' },
  APP_WEBHOOK: { requires: ['CONVERSATION_APP'], start: 'always' },
};

export function stepOrder(name: StepName): number {
  return STEP_NAMES.indexOf(name);
}

export function byName(steps: readonly StepRow[]): Map<StepName, StepRow> {
  return new Map(steps.map((s) => [s.name, s]));
}

/** The overall status a person reads, derived from the steps and never stored independently. */
export function deriveStatus(
  onboarding: OnboardingRow,
  steps: readonly StepRow[],
): OnboardingStatus {
  if (onboarding.cancelledAt !== null) return 'CANCELLED';
  if (steps.some((s) => s.status === 'FAILED')) return 'ACTION_REQUIRED';
  if (steps.every((s) => s.status === 'SUCCEEDED')) return 'READY';
  const signup = steps.find((s) => s.name === 'CUSTOMER_SIGNUP');
  return signup?.status === 'SUCCEEDED' ? 'PROVISIONING' : 'AWAITING_SIGNUP';
}

export interface StepSchedule {
  name: StepName;
  status: 'PENDING' | 'WAITING';
  nextAttemptAt: number | null;
}

/**
 * The steps that have become startable: requirements all succeeded, not yet started, and allowed to
 * start (by the plan, by automatic provisioning, or because a person asked for it).
 */
export function startable(
  onboarding: OnboardingRow,
  steps: readonly StepRow[],
  now: number,
): StepSchedule[] {
  if (onboarding.cancelledAt !== null) return [];
  const rows = byName(steps);
  const out: StepSchedule[] = [];
  for (const step of steps) {
    if (step.status !== 'PENDING' || step.nextAttemptAt !== null) continue;
    const plan = PLAN[step.name];
    const ready = plan.requires.every((r) => rows.get(r)?.status === 'SUCCEEDED');
    if (!ready) continue;
    if (plan.start === 'external') {
      out.push({ name: step.name, status: 'WAITING', nextAttemptAt: null });
    } else if (plan.start === 'always' || onboarding.autoProvision || step.requestedAt !== null) {
      out.push({ name: step.name, status: 'PENDING', nextAttemptAt: now });
    }
  }
  return out;
}

/** The first requirement of `name` that has not succeeded: what a refused mutation names. */
export function missingRequirement(steps: readonly StepRow[], name: StepName): StepRow | undefined {
  const rows = byName(steps);
  return PLAN[name].requires
    .map((r) => rows.get(r))
    .find((r): r is StepRow => r !== undefined && r.status !== 'SUCCEEDED');
}
