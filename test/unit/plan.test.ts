// The plan's rules, straight from the one list of step definitions: what starts when, what a
// person may ask for, and the status a person reads.
import { describe, expect, it } from 'vitest';
import type { StepRow } from '../../src/db/schema.ts';
import {
  blockingRequirement,
  deriveStatus,
  newSteps,
  PLAN,
  STEPS,
  startable,
} from '../../src/onboarding/plan.ts';
import { STEP_NAMES, type StepName } from '../../src/onboarding/step-names.ts';

const NOW = 1_800_000_000_000;

function steps(statuses: Partial<Record<StepName, StepRow['status']>> = {}): StepRow[] {
  return newSteps('o', NOW, 'SENDZEN').map((step) => ({
    ...step,
    status: statuses[step.name] ?? 'PENDING',
  }));
}

const open = { cancelledAt: null, autoProvision: true, wabaId: null, phoneNumberId: null };

describe('the step list', () => {
  it('names each step once, in an order where every requirement comes first', () => {
    expect(new Set(STEP_NAMES).size).toBe(STEP_NAMES.length);
    expect(PLAN.map((s) => s.name)).toEqual([...STEP_NAMES]);
    for (const step of PLAN) {
      for (const required of step.requires) {
        expect(STEP_NAMES.indexOf(required), `${step.name} needs ${required}`).toBeLessThan(
          STEP_NAMES.indexOf(step.name),
        );
      }
    }
  });

  it('gives every step the gateway runs a way to run, and only those', () => {
    for (const step of PLAN) {
      expect(Boolean(step.run), step.name).toBe(step.start !== 'external');
      expect(step.label.length, step.name).toBeGreaterThan(0);
      expect(step.unmet.length, step.name).toBeGreaterThan(0);
    }
  });
});

describe('what starts by itself', () => {
  it('starts the steps with no requirements at once', () => {
    expect(startable(open, steps(), NOW)).toEqual([
      { name: 'SENDZEN_PROJECT', number: '', status: 'PENDING', nextAttemptAt: NOW },
      { name: 'SINCH_SUBPROJECT', number: '', status: 'PENDING', nextAttemptAt: NOW },
    ]);
  });

  it('waits for the customer once the SendZen project exists', () => {
    const after = steps({ SENDZEN_PROJECT: 'SUCCEEDED', SINCH_SUBPROJECT: 'RUNNING' });
    expect(startable(open, after, NOW)).toEqual([
      { name: 'CUSTOMER_SIGNUP', number: '', status: 'WAITING', nextAttemptAt: null },
    ]);
  });

  it('creates the sender after the signup only with automatic provisioning, or when asked', () => {
    const signedUp = steps({
      SENDZEN_PROJECT: 'SUCCEEDED',
      SINCH_SUBPROJECT: 'SUCCEEDED',
      PROVISIONING_WEBHOOK: 'SUCCEEDED',
      CUSTOMER_SIGNUP: 'SUCCEEDED',
    });
    expect(startable(open, signedUp, NOW).map((s) => s.name)).toEqual(['WHATSAPP_SENDER']);
    const manual = { cancelledAt: null, autoProvision: false };
    expect(startable(manual, signedUp, NOW)).toEqual([]);
    const asked = signedUp.map((s) =>
      s.name === 'WHATSAPP_SENDER' ? { ...s, requestedAt: NOW - 1 } : s,
    );
    expect(startable(manual, asked, NOW).map((s) => s.name)).toEqual(['WHATSAPP_SENDER']);
  });

  it('never starts a step already scheduled, and nothing of a cancelled onboarding', () => {
    const scheduled = steps().map((s) => ({ ...s, nextAttemptAt: NOW + 1_000 }));
    expect(startable(open, scheduled, NOW)).toEqual([]);
    expect(startable({ cancelledAt: NOW, autoProvision: true }, steps(), NOW)).toEqual([]);
  });
});

describe('what a person may ask for', () => {
  it('refuses a sender before the signup, naming the signup and why', () => {
    const blocking = blockingRequirement({ steps: steps() }, 'WHATSAPP_SENDER');
    expect(blocking?.name).toBe('CUSTOMER_SIGNUP');
    expect(blocking?.unmet).toMatch(/has not completed the signup/);
  });

  it('accepts a sender while the gateway is still registering its webhook, not once that failed', () => {
    const signedUp = {
      CUSTOMER_SIGNUP: 'SUCCEEDED' as const,
      SENDZEN_PROJECT: 'SUCCEEDED' as const,
    };
    expect(
      blockingRequirement(
        { steps: steps({ ...signedUp, PROVISIONING_WEBHOOK: 'RUNNING' }) },
        'WHATSAPP_SENDER',
      ),
    ).toBeUndefined();
    expect(
      blockingRequirement(
        { steps: steps({ ...signedUp, PROVISIONING_WEBHOOK: 'FAILED' }) },
        'WHATSAPP_SENDER',
      )?.name,
    ).toBe('PROVISIONING_WEBHOOK');
  });

  it('refuses an app until the sender is active', () => {
    for (const status of ['PENDING', 'WAITING', 'FAILED'] as const) {
      expect(
        blockingRequirement({ steps: steps({ WHATSAPP_SENDER: status }) }, 'CONVERSATION_APP')
          ?.name,
      ).toBe('WHATSAPP_SENDER');
    }
    expect(
      blockingRequirement({ steps: steps({ WHATSAPP_SENDER: 'SUCCEEDED' }) }, 'CONVERSATION_APP'),
    ).toBeUndefined();
    expect(STEPS.WHATSAPP_SENDER.unmet).toMatch(/not active yet/);
  });
});

describe('the status a person reads', () => {
  it('follows the steps', () => {
    expect(deriveStatus(open, steps())).toBe('AWAITING_SIGNUP');
    expect(deriveStatus(open, steps({ CUSTOMER_SIGNUP: 'SUCCEEDED' }))).toBe('PROVISIONING');
    expect(deriveStatus(open, steps({ APP_WEBHOOK: 'FAILED' }))).toBe('ACTION_REQUIRED');
    const all = Object.fromEntries(STEP_NAMES.map((n) => [n, 'SUCCEEDED'])) as Record<
      StepName,
      'SUCCEEDED'
    >;
    expect(deriveStatus(open, steps(all))).toBe('READY');
    expect(deriveStatus({ ...open, cancelledAt: NOW }, steps({ APP_WEBHOOK: 'FAILED' }))).toBe(
      'CANCELLED',
    );
  });
});
