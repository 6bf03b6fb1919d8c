// Sinch Conversation API webhooks (contracts E.3, gap 13): at most 5 per app, one per target, and
// neither the secret nor OAuth client credentials are ever shown again.
import { type HttpHandler, HttpResponse, http } from 'msw';
import {
  conversationWebhookListSchema,
  conversationWebhookSchema,
  createConversationWebhookRequestSchema,
  emptyBodySchema,
} from '../../src/upstreams/sinch/contract.ts';
import type { ConversationWebhookRecord } from '../data/conversation-webhooks.ts';
import type { SandboxState } from '../sandbox/sandbox.ts';
import { conform } from './conform.ts';
import { PROJECT } from './conversation.ts';
import { guardConversation, invalidArgument } from './conversation-guard.ts';
import { rpcError } from './error-bodies.ts';
import { parseJsonBody } from './request-body.ts';

const MAX_WEBHOOKS_PER_APP = 5;
/** Sinch refuses to call itself. */
const SINCH_OWN_HOST = /^conversation-api\.[^.]+\.sinch\.com$/i;

function webhookView(webhook: ConversationWebhookRecord) {
  return conform(conversationWebhookSchema, {
    id: webhook.id,
    app_id: webhook.app_id,
    target: webhook.target,
    target_type: webhook.target_type,
    triggers: webhook.triggers,
  });
}

export function createConversationWebhookHandlers(sandbox: SandboxState): HttpHandler[] {
  const { db } = sandbox;
  const webhookNotFound = (id: string) =>
    rpcError(404, 'NOT_FOUND', `Webhook ${id} was not found.`);

  return [
    http.post(`${PROJECT}/webhooks`, async ({ request, params }) => {
      const access = guardConversation(sandbox, request, params);
      if (!access) return;
      if (!access.ok) return access.response;
      const body = await parseJsonBody(request, createConversationWebhookRequestSchema);
      if (!body.ok) return invalidArgument(body.problems);
      const { app_id, target } = body.data;

      const app = db.conversationApps.findFirst((q) =>
        q.where({ id: app_id, projectId: access.projectId, region: access.region }),
      );
      if (!app) {
        return invalidArgument([{ field: 'app_id', description: `app ${app_id} was not found` }]);
      }
      if (SINCH_OWN_HOST.test(new URL(target).hostname)) {
        return invalidArgument([
          { field: 'target', description: 'conversation-api.*.sinch.com targets are not allowed' },
        ]);
      }
      const onApp = db.conversationWebhooks.findMany((q) => q.where({ app_id }));
      if (onApp.some((w) => w.target === target)) {
        return invalidArgument([
          { field: 'target', description: `a webhook for ${target} already exists on this app` },
        ]);
      }
      if (onApp.length >= MAX_WEBHOOKS_PER_APP) {
        return invalidArgument([
          {
            field: 'app_id',
            description: `an app can have at most ${MAX_WEBHOOKS_PER_APP} webhooks`,
          },
        ]);
      }

      sandbox.secrets.remember(body.data.secret, body.data.client_credentials?.client_secret);
      const webhook = await db.conversationWebhooks.create({
        id: sandbox.ids.ulid(),
        projectId: access.projectId,
        region: access.region,
        app_id,
        target,
        target_type: body.data.target_type,
        triggers: body.data.triggers,
        secret: body.data.secret,
        client_credentials: body.data.client_credentials,
      });
      return HttpResponse.json(webhookView(webhook));
    }),

    http.get(`${PROJECT}/apps/:appId/webhooks`, ({ request, params }) => {
      const access = guardConversation(sandbox, request, params);
      if (!access) return;
      if (!access.ok) return access.response;
      const appId = String(params.appId);
      const app = db.conversationApps.findFirst((q) =>
        q.where({ id: appId, projectId: access.projectId, region: access.region }),
      );
      if (!app) return rpcError(404, 'NOT_FOUND', `App ${appId} was not found.`);
      const webhooks = db.conversationWebhooks.findMany((q) => q.where({ app_id: appId }));
      return HttpResponse.json(
        conform(conversationWebhookListSchema, { webhooks: webhooks.map(webhookView) }),
      );
    }),

    http.get(`${PROJECT}/webhooks/:webhookId`, ({ request, params }) => {
      const access = guardConversation(sandbox, request, params);
      if (!access) return;
      if (!access.ok) return access.response;
      const id = String(params.webhookId);
      const webhook = db.conversationWebhooks.findFirst((q) =>
        q.where({ id, projectId: access.projectId, region: access.region }),
      );
      return webhook ? HttpResponse.json(webhookView(webhook)) : webhookNotFound(id);
    }),

    http.delete(`${PROJECT}/webhooks/:webhookId`, ({ request, params }) => {
      const access = guardConversation(sandbox, request, params);
      if (!access) return;
      if (!access.ok) return access.response;
      const id = String(params.webhookId);
      const deleted = db.conversationWebhooks.delete((q) =>
        q.where({ id, projectId: access.projectId, region: access.region }),
      );
      return deleted ? HttpResponse.json(conform(emptyBodySchema, {})) : webhookNotFound(id);
    }),
  ];
}
