// Sinch Conversation API apps (contracts E.1, E.2). Each regional host is its own world: an app
// exists only on the host it was created on, and a WhatsApp sender works only in its compatible
// regions.
import { type HttpHandler, HttpResponse, http } from 'msw';
import {
  appListSchema,
  type ConversationRegion,
  createAppRequestSchema,
  emptyBodySchema,
  updateAppRequestSchema,
} from '../../src/upstreams/sinch/contract.ts';
import type { ConversationApp } from '../data/conversation-apps.ts';
import type { SandboxState } from '../sandbox/sandbox.ts';
import { appView, findClaimedSender, isWhatsappCredential } from './app-view.ts';
import { conform } from './conform.ts';
import { guardConversation, invalidArgument } from './conversation-guard.ts';
import { rpcError } from './error-bodies.ts';
import { parseJsonBody } from './request-body.ts';

export const PROJECT = '/sinch/conversation/:region/v1/projects/:projectId';

type Credentials = ConversationApp['channel_credentials'];

/**
 * A 400 when a WhatsApp credential claims a sender that cannot work on this region's host; the
 * one check that refuses an app. A wrong token or a sender not yet ACTIVE is accepted and shown
 * FAILING when read (app-view.ts, contracts gap 15), on create and update alike.
 */
function refuseIncompatibleSenders(
  sandbox: SandboxState,
  access: { projectId: string; region: ConversationRegion },
  credentials: Credentials,
): Response | undefined {
  for (const [index, credential] of credentials.entries()) {
    if (!isWhatsappCredential(credential)) continue;
    const senderId = credential.static_bearer.claimed_identity;
    const sender = findClaimedSender(sandbox, access.projectId, senderId);
    if (sender && !sender.compatibleRegions.includes(access.region)) {
      return invalidArgument([
        {
          field: `channel_credentials.${index}.static_bearer.claimed_identity`,
          description: `WhatsApp sender ${senderId} is not compatible with region ${access.region}; it can be used in: ${sender.compatibleRegions.join(', ')}.`,
        },
      ]);
    }
  }
  return undefined;
}

function rememberCredentialSecrets(sandbox: SandboxState, credentials: Credentials): void {
  for (const credential of credentials) {
    if (isWhatsappCredential(credential)) {
      sandbox.secrets.remember(credential.static_bearer.token, credential.callback_secret);
    }
  }
}

export function createConversationHandlers(sandbox: SandboxState): HttpHandler[] {
  const { db } = sandbox;
  const appNotFound = (id: string) => rpcError(404, 'NOT_FOUND', `App ${id} was not found.`);

  return [
    http.post(`${PROJECT}/apps`, async ({ request, params }) => {
      const access = guardConversation(sandbox, request, params);
      if (!access) return;
      if (!access.ok) return access.response;
      const body = await parseJsonBody(request, createAppRequestSchema);
      if (!body.ok) return invalidArgument(body.problems);

      const refused = refuseIncompatibleSenders(sandbox, access, body.data.channel_credentials);
      if (refused) return refused;
      rememberCredentialSecrets(sandbox, body.data.channel_credentials);
      sandbox.secrets.remember(body.data.callback_settings?.secret_for_overridden_callback_urls);

      const app: ConversationApp = {
        id: sandbox.ids.ulid(),
        projectId: access.projectId,
        region: access.region,
        display_name: body.data.display_name,
        channel_credentials: body.data.channel_credentials,
        processing_mode: body.data.processing_mode ?? 'DISPATCH',
        conversation_metadata_report_view: body.data.conversation_metadata_report_view ?? 'NONE',
        retention_policy: {
          retention_type: body.data.retention_policy?.retention_type ?? 'MESSAGE_EXPIRE_POLICY',
          ttl_days: body.data.retention_policy?.ttl_days ?? 180,
        },
        smart_conversation: body.data.smart_conversation ?? { enabled: false },
        callback_settings: body.data.callback_settings,
      };
      const created = await db.conversationApps.create(app);
      return HttpResponse.json(appView(sandbox, created));
    }),

    http.get(`${PROJECT}/apps`, ({ request, params }) => {
      const access = guardConversation(sandbox, request, params);
      if (!access) return;
      if (!access.ok) return access.response;
      const apps = db.conversationApps.findMany((q) =>
        q.where({ projectId: access.projectId, region: access.region }),
      );
      return HttpResponse.json(
        conform(appListSchema, { apps: apps.map((app) => appView(sandbox, app)) }),
      );
    }),

    http.get(`${PROJECT}/apps/:appId`, ({ request, params }) => {
      const access = guardConversation(sandbox, request, params);
      if (!access) return;
      if (!access.ok) return access.response;
      const id = String(params.appId);
      const app = db.conversationApps.findFirst((q) =>
        q.where({ id, projectId: access.projectId, region: access.region }),
      );
      return app ? HttpResponse.json(appView(sandbox, app)) : appNotFound(id);
    }),

    // Another sender joins the customer's app: the list sent replaces the app's (contracts E.2).
    http.patch(`${PROJECT}/apps/:appId`, async ({ request, params }) => {
      const access = guardConversation(sandbox, request, params);
      if (!access) return;
      if (!access.ok) return access.response;
      const body = await parseJsonBody(request, updateAppRequestSchema);
      if (!body.ok) return invalidArgument(body.problems);
      const id = String(params.appId);
      const app = db.conversationApps.findFirst((q) =>
        q.where({ id, projectId: access.projectId, region: access.region }),
      );
      if (!app) return appNotFound(id);
      const refused = refuseIncompatibleSenders(sandbox, access, body.data.channel_credentials);
      if (refused) return refused;
      rememberCredentialSecrets(sandbox, body.data.channel_credentials);

      const { display_name, channel_credentials } = body.data;
      const updated = await db.conversationApps.update(app, {
        data(a) {
          a.channel_credentials = channel_credentials;
          if (display_name !== undefined) a.display_name = display_name;
        },
      });
      return HttpResponse.json(appView(sandbox, updated ?? app));
    }),

    http.delete(`${PROJECT}/apps/:appId`, ({ request, params }) => {
      const access = guardConversation(sandbox, request, params);
      if (!access) return;
      if (!access.ok) return access.response;
      const id = String(params.appId);
      const app = db.conversationApps.delete((q) =>
        q.where({ id, projectId: access.projectId, region: access.region }),
      );
      if (!app) return appNotFound(id);
      // Sinch keeps the sender (contracts E.2); the app's webhooks go with it.
      db.conversationWebhooks.deleteMany((q) => q.where({ app_id: id }));
      return HttpResponse.json(conform(emptyBodySchema, {}));
    }),
  ];
}
