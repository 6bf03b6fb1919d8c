// Sinch Conversation API `messages:send` (contracts E.3a): a text to a WhatsApp identity through
// the app's WhatsApp credential, answered at once with the message id; delivery reports follow as
// signed callbacks (conversation-callbacks.ts).
import { type HttpHandler, HttpResponse, http } from 'msw';
import {
  sendMessageRequestSchema,
  sendMessageResponseSchema,
  whatsappIdentitySchema,
} from '../../src/upstreams/sinch/contract.ts';
import { scheduleDeliveryReports } from '../sandbox/conversation-callbacks.ts';
import type { SandboxState } from '../sandbox/sandbox.ts';
import { findClaimedSender, isWhatsappCredential } from './app-view.ts';
import { conform } from './conform.ts';
import { PROJECT } from './conversation.ts';
import { guardConversation, invalidArgument } from './conversation-guard.ts';
import { rpcError } from './error-bodies.ts';
import { parseJsonBody } from './request-body.ts';

export function createMessageHandlers(sandbox: SandboxState): HttpHandler[] {
  return [
    // The colon is Sinch's (a custom method, Google API style), not a path parameter.
    http.post(`${PROJECT}/messages\\:send`, async ({ request, params }) => {
      const access = guardConversation(sandbox, request, params);
      if (!access) return;
      if (!access.ok) return access.response;
      const body = await parseJsonBody(request, sendMessageRequestSchema);
      if (!body.ok) return invalidArgument(body.problems);
      const { app_id, recipient, channel_priority_order } = body.data;

      const app = sandbox.db.conversationApps.findFirst((q) =>
        q.where({ id: app_id, projectId: access.projectId, region: access.region }),
      );
      if (!app) return rpcError(404, 'NOT_FOUND', `App ${app_id} was not found.`);

      // The fake carries WhatsApp only: a message it could not route is refused as Sinch refuses
      // a request it cannot serve (contracts gap 19).
      const identities = recipient.identified_by.channel_identities;
      const index = identities.findIndex((i) => i.channel === 'WHATSAPP');
      if (index < 0 || (channel_priority_order && !channel_priority_order.includes('WHATSAPP'))) {
        return invalidArgument([
          {
            field: 'recipient.identified_by.channel_identities',
            description: 'The sandbox sends on the WHATSAPP channel only.',
          },
        ]);
      }
      const identity = whatsappIdentitySchema.safeParse(identities[index]!.identity);
      if (!identity.success) {
        return invalidArgument([
          {
            field: `recipient.identified_by.channel_identities.${index}.identity`,
            description: 'A WhatsApp identity is a phone number in E.164 digits.',
          },
        ]);
      }
      const credential = app.channel_credentials.find(isWhatsappCredential);
      if (!credential) {
        return invalidArgument([
          { field: 'app_id', description: `App ${app_id} has no WHATSAPP channel credential.` },
        ]);
      }
      const senderId = credential.static_bearer.claimed_identity;
      const sender = findClaimedSender(sandbox, access.projectId, senderId);
      const unusable = !sender
        ? `sender ${senderId} is unknown`
        : sender.state !== 'ACTIVE'
          ? `sender ${senderId} is ${sender.state}, not ACTIVE`
          : sender.bearerToken !== credential.static_bearer.token
            ? `the token does not match sender ${senderId}`
            : undefined;
      if (unusable) {
        return rpcError(
          403,
          'PERMISSION_DENIED',
          `The WHATSAPP channel of app ${app_id} is not usable: ${unusable}.`,
        );
      }

      const messageId = sandbox.ids.ulid();
      scheduleDeliveryReports(sandbox, { app, messageId, identity: identity.data });
      return HttpResponse.json(
        conform(sendMessageResponseSchema, {
          message_id: messageId,
          accepted_time: new Date().toISOString(),
        }),
      );
    }),
  ];
}
