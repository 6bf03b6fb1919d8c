// The customer's WhatsApp sender, and the mutation that creates it by hand.
import type { SenderRow } from '../db/schema.ts';
import { createSender } from '../resolvers/create-sender.ts';
import { builder } from './builder.ts';
import { onboardingResult } from './errors.ts';
import { OnboardingRef } from './onboarding.ts';

export const SenderRef = builder.objectRef<SenderRow>('Sender').implement({
  description: 'A Sinch WhatsApp sender. Its bearer token never leaves the gateway.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The Sinch sender id.' }),
    state: t.exposeString('state', {
      description: 'IN_PROGRESS, ACTIVE, ERROR, INACTIVE, SUSPENDED, ...',
    }),
    region: t.exposeString('region'),
    compatibleRegions: t.exposeStringList('compatibleRegions'),
    wabaId: t.exposeString('wabaId'),
    phoneNumberId: t.exposeString('phoneNumberId'),
    hasBearerToken: t.boolean({ resolve: (s) => s.bearerTokenSealed !== null }),
    bearerTokenPreview: t.string({
      nullable: true,
      description: 'The token’s last four characters.',
      resolve: (s) => (s.bearerTokenLast4 ? `…${s.bearerTokenLast4}` : null),
    }),
    errorCode: t.exposeString('errorCode', { nullable: true }),
    errorReason: t.exposeString('errorReason', { nullable: true }),
    updatedAt: t.field({ type: 'DateTime', resolve: (s) => s.updatedAt }),
  }),
});

builder.mutationField('createSender', (t) =>
  t.field({
    type: OnboardingRef,
    description:
      'Creates the WhatsApp sender from the customer’s signup result. Automatic provisioning does this by itself; call it when the onboarding was started with `autoProvision: false`. Refused (PreconditionFailed) until the signup completed.',
    errors: onboardingResult('CreateSender'),
    args: { onboardingId: t.arg.id({ required: true }) },
    authScopes: { write: true },
    resolve: createSender,
  }),
);

builder.objectField(OnboardingRef, 'sender', (t) =>
  t.field({ type: SenderRef, nullable: true, resolve: (s) => s.sender }),
);
