// How the customer's channel is doing after READY (src/onboarding/health.ts).
import { channelHealth, HEALTH_STATES, type Health } from '../onboarding/health.ts';
import { builder } from './builder.ts';
import { OnboardingRef } from './onboarding.ts';

const HealthStateEnum = builder.enumType('ChannelHealthState', {
  values: HEALTH_STATES,
});

const HealthRef = builder
  .objectRef<Health & { checkedAt: number | null }>('ChannelHealth')
  .implement({
    description:
      'What Sinch last reported of the first number’s sender and the app’s credential. Callbacks keep it current; checkSenderHealth reads it afresh (a suspension and a revoked credential have no callback).',
    fields: (t) => ({
      state: t.field({ type: HealthStateEnum, resolve: (h) => h.state }),
      canSend: t.exposeBoolean('canSend', {
        description: 'False when nothing can be sent (suspended, inactive, credential revoked).',
      }),
      reason: t.exposeString('reason', {
        nullable: true,
        description: 'Sinch’s or Meta’s reason.',
      }),
      whatToDo: t.exposeString('whatToDo', { nullable: true }),
      qualityRating: t.exposeString('qualityRating', {
        nullable: true,
        description: 'Meta’s quality rating of the number: GREEN, YELLOW, RED, UNKNOWN.',
      }),
      displayNameStatus: t.exposeString('displayNameStatus', {
        nullable: true,
        description: 'Meta’s review of the display name: PENDING, APPROVED, REJECTED, ...',
      }),
      checkedAt: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'When the app’s credential was last read from Sinch (checkSenderHealth).',
        resolve: (h) => h.checkedAt,
      }),
    }),
  });

builder.objectField(OnboardingRef, 'health', (t) =>
  t.field({
    type: HealthRef,
    nullable: true,
    description: 'Once the first number has a sender: how the channel is doing.',
    resolve: (s) => {
      const health = channelHealth(s.sender, s.app);
      return health && { ...health, checkedAt: s.app?.credentialCheckedAt ?? null };
    },
  }),
);
