// A first message: the vendor proves a READY onboarding works end to end by sending a WhatsApp
// message through the customer's own Conversation API app, then watching Sinch's signed callbacks
// (delivery reports, the contact's reply) arrive on the onboarding. Callbacks update the message
// they name; nothing here moves a step or the onboarding's status.

import { copySnapshot } from '../db/drafts.ts';
import type { TestMessageRow, TestMessageStatus } from '../db/schema.ts';
import type { OnboardingDraft, OnboardingSnapshot } from '../db/store.ts';
import { ulid } from '../ids.ts';
import {
  type MessageDeliveryCallback,
  type MessageInboundCallback,
  messageDeliveryCallbackSchema,
  messageInboundCallbackSchema,
} from '../upstreams/sinch/contract.ts';
import { change } from './changes.ts';
import type { OnboardingDeps } from './deps.ts';
import type { EventDraft } from './draft.ts';
import { PreconditionError } from './errors.ts';
import { channelHealth } from './health.ts';
import { applySenderReport, senderState } from './sender-state.ts';

/** Sinch's delivery statuses as a test message shows them; SWITCHING_CHANNEL changes nothing. */
const STATUS_OF: Partial<Record<string, Exclude<TestMessageStatus, 'SENT'>>> = {
  QUEUED_ON_CHANNEL: 'QUEUED',
  DELIVERED: 'DELIVERED',
  READ: 'READ',
  FAILED: 'FAILED',
};

/**
 * Callbacks are at-least-once and may arrive out of order (a retried QUEUED after DELIVERED): a
 * message only moves forward, and FAILED is final.
 */
const RANK: Record<TestMessageStatus, number> = {
  SENT: 0,
  QUEUED: 1,
  DELIVERED: 2,
  READ: 3,
  FAILED: 4,
};

const EVENT_OF: Record<Exclude<TestMessageStatus, 'SENT'>, string> = {
  QUEUED: 'message.queued',
  DELIVERED: 'message.delivered',
  READ: 'message.read',
  FAILED: 'message.failed',
};

/**
 * Refuses what would not reach the customer's number: a sender the gateway knows is not ACTIVE
 * (suspended, deleted) is named first, as the reason a person must act on; then anything short of
 * READY. Sinch would accept a send through a dead credential and fail it later, if at all.
 */
function requireSendable(snapshot: OnboardingSnapshot) {
  const { sender, app, onboarding } = snapshot;
  if (sender && sender.state !== 'ACTIVE') {
    throw new PreconditionError(
      'WHATSAPP_SENDER',
      `The WhatsApp sender is ${sender.state}, not ACTIVE: no message can be sent through it, and none was`,
    );
  }
  const pending = snapshot.steps.find((s) => s.status !== 'SUCCEEDED');
  if (pending || onboarding.cancelledAt !== null || !app || !sender) {
    throw new PreconditionError(
      pending?.name ?? 'CONVERSATION_APP',
      `The onboarding is ${onboarding.status}: a test message needs it READY with an ACTIVE sender`,
    );
  }
  // After READY, a warning (a display name in review or rejected, a low quality rating) still
  // sends; a revoked credential does not.
  const health = channelHealth(sender, app);
  if (health && !health.canSend) {
    throw new PreconditionError(
      'CONVERSATION_APP',
      `The onboarding is ${onboarding.status}: ${health.whatToDo ?? 'nothing can be sent through it now'}`,
    );
  }
  return app;
}

/**
 * Asks Sinch for the sender's state before sending: a sender can stop working without telling us
 * (SUSPENDED has no provisioning trigger), and a message sent through it would be lost or
 * refused. What Sinch says is recorded like a poll's answer, so the onboarding shows it too.
 */
async function requireLiveSender(deps: OnboardingDeps, snapshot: OnboardingSnapshot) {
  const sender = snapshot.sender!;
  const live = await deps.provisioning.getSender(sender.projectId, sender.id);
  const state = senderState(live);
  if (state === 'ACTIVE') return;
  await change(deps, snapshot.onboarding.id, (draft) =>
    applySenderReport(
      draft,
      deps.sealer,
      live,
      'poll',
      deps.now(),
      deps.pipeline.senderPollAfterMs,
    ),
  );
  throw new PreconditionError(
    'WHATSAPP_SENDER',
    `The WhatsApp sender is ${state}, not ACTIVE: no message can be sent through it, and none was`,
  );
}

/** Sends `text` to `to` (E.164, `+` optional) and records it; Sinch's refusal is thrown as is. */
export async function sendTestMessage(
  deps: OnboardingDeps,
  snapshot: OnboardingSnapshot,
  to: string,
  text: string,
): Promise<OnboardingSnapshot> {
  const app = requireSendable(snapshot);
  await requireLiveSender(deps, snapshot);
  const recipient = to.replace(/^\+/, '');
  const sent = await deps.conversation.sendMessage(app.region, app.projectId, {
    app_id: app.id,
    recipient: {
      identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity: recipient }] },
    },
    message: { text_message: { text } },
    channel_priority_order: ['WHATSAPP'],
  });
  return change(deps, snapshot.onboarding.id, (draft) => {
    const now = deps.now();
    const row: TestMessageRow = {
      id: ulid(),
      onboardingId: draft.onboarding.id,
      messageId: sent.message_id,
      recipient,
      text,
      status: 'SENT',
      failureCode: null,
      failureReason: null,
      replyText: null,
      replyAt: null,
      sentAt: now,
      deliveredAt: null,
      updatedAt: now,
    };
    draft.testMessages.unshift(row);
    return [
      {
        type: 'message.sent',
        message: `Test message sent to +${recipient}`,
        data: { testMessageId: row.id, messageId: row.messageId, to: `+${recipient}` },
      },
    ];
  });
}

/**
 * Applies a Conversation API callback to the onboarding the URL named; returns what it did, for
 * the delivery's stored outcome. Triggers other than MESSAGE_DELIVERY and MESSAGE_INBOUND, and
 * callbacks naming messages or contacts the onboarding never sent to, change nothing.
 */
export async function recordConversationCallback(
  deps: OnboardingDeps,
  snapshot: OnboardingSnapshot,
  body: unknown,
): Promise<string> {
  const delivery = messageDeliveryCallbackSchema.safeParse(body);
  const inbound = delivery.success ? undefined : messageInboundCallbackSchema.safeParse(body);
  const appId = delivery.success ? delivery.data.app_id : inbound?.data?.app_id;
  if (appId === undefined) return 'ignored: not a message delivery report or inbound message';
  // The webhook's secret is the onboarding's; a callback about another app is not ours to apply.
  if (appId !== snapshot.app?.id) return 'ignored: another app';

  let outcome = 'ignored';
  const apply = (draft: OnboardingDraft): EventDraft[] | undefined => {
    const now = deps.now();
    const applied = delivery.success
      ? applyDeliveryReport(draft, delivery.data, now)
      : applyInbound(draft, inbound!.data!, now);
    outcome = applied.outcome;
    return applied.events;
  };
  // Read first: a callback that changes nothing must not take the onboarding's write lock.
  if (apply(copySnapshot(snapshot)) === undefined) return outcome;
  await change(deps, snapshot.onboarding.id, apply);
  return outcome;
}

type Applied = { outcome: string; events?: EventDraft[] };

function applyDeliveryReport(
  draft: OnboardingDraft,
  callback: MessageDeliveryCallback,
  now: number,
): Applied {
  const report = callback.message_delivery_report;
  const message = draft.testMessages.find((m) => m.messageId === report.message_id);
  if (!message) return { outcome: 'ignored: unknown message' };
  const status = STATUS_OF[report.status];
  if (!status) return { outcome: `ignored: status ${report.status}` };
  if (RANK[status] <= RANK[message.status] || message.status === 'FAILED') {
    return { outcome: `ignored: already ${message.status}` };
  }
  message.status = status;
  message.updatedAt = now;
  if ((status === 'DELIVERED' || status === 'READ') && message.deliveredAt === null) {
    message.deliveredAt = now;
  }
  if (status === 'FAILED') {
    message.failureCode = report.reason?.code ?? null;
    message.failureReason = report.reason?.description ?? null;
  }
  const reason = status === 'FAILED' && report.reason?.code ? `: ${report.reason.code}` : '';
  return {
    outcome: 'applied',
    events: [
      {
        type: EVENT_OF[status],
        message: `Test message to +${message.recipient} ${status.toLowerCase()}${reason}`,
        data: {
          testMessageId: message.id,
          messageId: message.messageId,
          status,
          ...(status === 'FAILED' ? { reason: report.reason ?? null } : {}),
        },
      },
    ],
  };
}

/**
 * WhatsApp replies carry no reference to what they answer unless the contact quoted it: a reply
 * is taken as the answer to the latest test message sent to that contact.
 */
function applyInbound(draft: OnboardingDraft, callback: MessageInboundCallback, now: number) {
  const inbound = callback.message;
  const from = inbound.channel_identity.identity.replace(/^\+/, '');
  const message = draft.testMessages.find((m) => m.recipient === from);
  if (!message) return { outcome: 'ignored: no test message to this contact' };
  const text = inbound.contact_message.text_message?.text;
  if (text === undefined) return { outcome: 'ignored: not a text message' };
  message.replyText = text;
  message.replyAt = now;
  message.updatedAt = now;
  return {
    outcome: 'applied',
    events: [
      {
        type: 'message.reply',
        message: `+${from} replied to the test message`,
        data: {
          testMessageId: message.id,
          messageId: message.messageId,
          inboundId: inbound.id,
          text,
        },
      },
    ],
  };
}
