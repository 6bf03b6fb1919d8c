// The customer's phone numbers: the one the signup brought (or the first one added after a WABA
// came without one) and every one added after it, each with its own steps and status.
import type { SenderRow, StepRow } from '../db/schema.ts';
import type { OnboardingSnapshot } from '../db/store.ts';
import { numberStatus } from '../onboarding/plan.ts';
import { builder } from './builder.ts';
import { OnboardingRef } from './onboarding.ts';
import { SenderRef } from './sender.ts';
import { StepRef, stepViews } from './step.ts';

interface PhoneNumberView {
  phoneNumberId: string;
  first: boolean;
  steps: StepRow[];
  sender: SenderRow | null;
  snapshot: OnboardingSnapshot;
}

const PhoneNumberStatusEnum = builder.enumType('PhoneNumberStatus', {
  values: {
    PROVISIONING: { description: 'Its sender is being made, activated or put on the app.' },
    READY: { description: 'Messages can be sent from it through the customer’s app.' },
    ACTION_REQUIRED: { description: 'One of its steps failed: see its steps’ errors.' },
  },
});

const PhoneNumberRef = builder.objectRef<PhoneNumberView>('PhoneNumber').implement({
  description: 'One of the customer’s WhatsApp numbers on its WABA.',
  fields: (t) => ({
    phoneNumberId: t.exposeString('phoneNumberId', { description: 'Meta’s phone number id.' }),
    first: t.exposeBoolean('first', {
      description:
        'The onboarding’s own number: its sender is the onboarding’s WHATSAPP_SENDER step, and the app was made with it.',
    }),
    status: t.field({
      type: PhoneNumberStatusEnum,
      resolve: (n) =>
        n.first && n.snapshot.onboarding.status === 'READY' ? 'READY' : numberStatus(n.steps),
    }),
    steps: t.field({
      type: [StepRef],
      resolve: (n) => stepViews(n.steps, n.snapshot.onboarding),
    }),
    sender: t.field({ type: SenderRef, nullable: true, resolve: (n) => n.sender }),
  }),
});

export function phoneNumbers(snapshot: OnboardingSnapshot): PhoneNumberView[] {
  const views: PhoneNumberView[] = [];
  const { phoneNumberId } = snapshot.onboarding;
  if (phoneNumberId) {
    views.push({
      phoneNumberId,
      first: true,
      steps: snapshot.steps.filter((s) => s.number === '' && s.name === 'WHATSAPP_SENDER'),
      sender: snapshot.sender,
      snapshot,
    });
  }
  const added = [...new Set(snapshot.steps.map((s) => s.number).filter((n) => n !== ''))];
  for (const number of added) {
    views.push({
      phoneNumberId: number,
      first: false,
      steps: snapshot.steps.filter((s) => s.number === number),
      sender: snapshot.senders.find((s) => s.phoneNumberId === number) ?? null,
      snapshot,
    });
  }
  return views;
}

builder.objectField(OnboardingRef, 'phoneNumbers', (t) =>
  t.field({
    type: [PhoneNumberRef],
    description:
      'The customer’s numbers, the first one first. The onboarding’s status summarises them: a number being added makes it PROVISIONING, a failed one ACTION_REQUIRED.',
    resolve: phoneNumbers,
  }),
);
