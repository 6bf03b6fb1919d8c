// A test message the vendor sent through the customer's app, and what Sinch said of it since.
import { TEST_MESSAGE_STATUSES, type TestMessageRow } from '../db/schema.ts';
import { builder } from './builder.ts';
import { OnboardingRef } from './onboarding.ts';

export const TestMessageStatusEnum = builder.enumType('TestMessageStatus', {
  description:
    'SENT: Sinch accepted it. QUEUED: on WhatsApp’s queue. DELIVERED / READ: on the phone. FAILED: see `failure`. A message whose delivery report never comes stays SENT or QUEUED.',
  values: TEST_MESSAGE_STATUSES,
});

const FailureRef = builder
  .objectRef<{ code: string | null; reason: string | null }>('TestMessageFailure')
  .implement({
    description: 'Why Sinch could not deliver the message, in its words.',
    fields: (t) => ({
      code: t.exposeString('code', {
        nullable: true,
        description: 'Sinch’s reason code, e.g. RECIPIENT_NOT_REACHABLE.',
      }),
      reason: t.exposeString('reason', { nullable: true }),
    }),
  });

const ReplyRef = builder.objectRef<{ text: string; at: number }>('TestMessageReply').implement({
  description: 'The contact’s latest WhatsApp reply after the message.',
  fields: (t) => ({
    text: t.exposeString('text'),
    at: t.field({ type: 'DateTime', resolve: (r) => r.at }),
  }),
});

export const TestMessageRef = builder.objectRef<TestMessageRow>('TestMessage').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    messageId: t.exposeString('messageId', { description: 'Sinch’s id of the message.' }),
    to: t.string({
      description: 'The recipient in E.164, with its +.',
      resolve: (m) => `+${m.recipient}`,
    }),
    text: t.exposeString('text'),
    status: t.field({ type: TestMessageStatusEnum, resolve: (m) => m.status }),
    sentAt: t.field({ type: 'DateTime', resolve: (m) => m.sentAt }),
    deliveredAt: t.field({ type: 'DateTime', nullable: true, resolve: (m) => m.deliveredAt }),
    failure: t.field({
      type: FailureRef,
      nullable: true,
      resolve: (m) =>
        m.status === 'FAILED' ? { code: m.failureCode, reason: m.failureReason } : null,
    }),
    reply: t.field({
      type: ReplyRef,
      nullable: true,
      resolve: (m) =>
        m.replyText !== null && m.replyAt !== null ? { text: m.replyText, at: m.replyAt } : null,
    }),
    updatedAt: t.field({ type: 'DateTime', resolve: (m) => m.updatedAt }),
  }),
});

builder.objectField(OnboardingRef, 'testMessages', (t) =>
  t.field({
    type: [TestMessageRef],
    description: 'The latest test messages (sendTestMessage), newest first; at most 20.',
    resolve: (s) => s.testMessages,
  }),
);
