// The customer's WhatsApp sender.
import type { SenderRow } from '../db/schema.ts';
import { builder } from './builder.ts';
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

builder.objectField(OnboardingRef, 'sender', (t) =>
  t.field({ type: SenderRef, nullable: true, resolve: (s) => s.sender }),
);
