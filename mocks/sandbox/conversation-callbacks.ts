// Sinch tells every webhook of an app that subscribed to a trigger (contracts E.6), signing each
// delivery with that webhook's own secret, as it signs every Conversation API callback.
import type { DELIVERY_STATUSES } from '../../src/upstreams/sinch/contract.ts';
import type { ConversationApp } from '../data/conversation-apps.ts';
import type { SandboxState } from './sandbox.ts';

type Trigger = 'MESSAGE_DELIVERY' | 'MESSAGE_INBOUND';

/** Sends the callback to each webhook of the app with `trigger`; says how many there were. */
function notifyAppWebhooks(
  sandbox: SandboxState,
  app: ConversationApp,
  trigger: Trigger,
  event: Record<string, unknown>,
): number {
  const now = new Date().toISOString();
  const body = JSON.stringify({
    app_id: app.id,
    project_id: app.projectId,
    accepted_time: now,
    event_time: now,
    ...event,
  });
  // A whole-record predicate: @msw/data applies a field predicate to each item of an array field.
  const webhooks = sandbox.db.conversationWebhooks.findMany((q) =>
    q.where((w) => w.app_id === app.id && w.triggers.includes(trigger)),
  );
  for (const webhook of webhooks) {
    sandbox.deliveries.send({
      kind: 'conversation_callback',
      upstream: 'conversation',
      target: webhook.target,
      body,
      signingSecret: webhook.secret,
    });
  }
  return webhooks.length;
}

export interface SentMessage {
  app: ConversationApp;
  messageId: string;
  /** The WhatsApp identity it went to (E.164 digits). */
  identity: string;
}

const whatsapp = (app: ConversationApp, identity: string) => ({
  channel: 'WHATSAPP',
  identity,
  app_id: app.id,
});

function report(
  sandbox: SandboxState,
  sent: SentMessage,
  status: (typeof DELIVERY_STATUSES)[number],
): void {
  notifyAppWebhooks(sandbox, sent.app, 'MESSAGE_DELIVERY', {
    message_delivery_report: {
      message_id: sent.messageId,
      conversation_id: '',
      status,
      channel_identity: whatsapp(sent.app, sent.identity),
      contact_id: '',
      metadata: '',
      processing_mode: sent.app.processing_mode,
      ...(status === 'FAILED'
        ? {
            reason: {
              code: 'RECIPIENT_NOT_REACHABLE',
              description: 'The sandbox was told to fail delivery reports.',
            },
          }
        : {}),
    },
  });
}

/**
 * What follows an accepted send, as the sandbox's `deliveryReports` mode says: QUEUED_ON_CHANNEL,
 * then DELIVERED (or FAILED), each `deliveryReportDelayMs` after the one before; or nothing.
 */
export function scheduleDeliveryReports(sandbox: SandboxState, sent: SentMessage): void {
  const mode = sandbox.config.deliveryReports;
  if (mode === 'never') return;
  const delay = sandbox.config.deliveryReportDelayMs;
  sandbox.timers.after(delay, () => {
    report(sandbox, sent, 'QUEUED_ON_CHANNEL');
    sandbox.timers.after(delay, () =>
      report(sandbox, sent, mode === 'failed' ? 'FAILED' : 'DELIVERED'),
    );
  });
}

/** A contact's WhatsApp text to the app; returns the inbound message id and how many webhooks. */
export function playInboundMessage(
  sandbox: SandboxState,
  app: ConversationApp,
  from: string,
  text: string,
): { messageId: string; webhooks: number } {
  const messageId = sandbox.ids.ulid();
  const webhooks = notifyAppWebhooks(sandbox, app, 'MESSAGE_INBOUND', {
    message: {
      id: messageId,
      direction: 'TO_APP',
      contact_message: { text_message: { text } },
      channel_identity: whatsapp(app, from),
      conversation_id: '',
      contact_id: '',
      metadata: '',
      accept_time: new Date().toISOString(),
    },
  });
  return { messageId, webhooks };
}
