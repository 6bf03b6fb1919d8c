// The Conversation API app that carries the sender's credentials, and its webhooks.
import type { AppWebhookRow, ConversationAppRow } from '../db/schema.ts';
import { builder } from './builder.ts';
import { OnboardingRef } from './onboarding.ts';

export const ConversationAppRef = builder
  .objectRef<ConversationAppRow>('ConversationApp')
  .implement({
    fields: (t) => ({
      id: t.exposeString('id', { description: 'The Conversation API app id.' }),
      region: t.exposeString('region', { description: 'us, eu or br: the host the app lives on.' }),
      displayName: t.exposeString('displayName'),
      senderId: t.exposeString('senderId'),
      credentialStatus: t.exposeString('credentialStatus', {
        nullable: true,
        description:
          'The WhatsApp credential’s state as Sinch reported it: ACTIVE, PENDING or FAILING.',
      }),
      createdAt: t.field({ type: 'DateTime', resolve: (a) => a.createdAt }),
    }),
  });

export const AppWebhookRef = builder.objectRef<AppWebhookRow>('AppWebhook').implement({
  description: 'A webhook of the app. Its signing secret never leaves the gateway.',
  fields: (t) => ({
    id: t.exposeString('id'),
    appId: t.exposeString('appId'),
    target: t.exposeString('target'),
    triggers: t.exposeStringList('triggers'),
  }),
});

builder.objectField(OnboardingRef, 'conversationApp', (t) =>
  t.field({ type: ConversationAppRef, nullable: true, resolve: (s) => s.app }),
);

builder.objectField(OnboardingRef, 'webhooks', (t) =>
  t.field({
    type: [AppWebhookRef],
    description: 'The app’s webhooks.',
    resolve: (s) => s.webhooks,
  }),
);
