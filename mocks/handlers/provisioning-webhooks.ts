// Sinch Provisioning API, webhook registrations (contracts D.6): at most 15 per project, one per
// target, listed alphabetically, and the signing secret is never shown again.
import { type HttpHandler, HttpResponse, http } from 'msw';
import {
  createProvisioningWebhookRequestSchema,
  provisioningWebhookListSchema,
  provisioningWebhookSchema,
} from '../../src/upstreams/sinch/contract.ts';
import type { ProvisioningWebhookRecord } from '../data/provisioning-webhooks.ts';
import type { SandboxState } from '../sandbox/sandbox.ts';
import { conform } from './conform.ts';
import { papiError } from './error-bodies.ts';
import { decodePageToken, papiPage, parsePageSize } from './pagination.ts';
import { invalidBody, invalidPageSize, invalidPageToken } from './provisioning-errors.ts';
import { guardProject } from './provisioning-guard.ts';
import { parseJsonBody } from './request-body.ts';

const WEBHOOKS = '/sinch/provisioning/v1/projects/:projectId/webhooks';
const MAX_WEBHOOKS_PER_PROJECT = 15;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function webhookView(webhook: ProvisioningWebhookRecord) {
  return conform(provisioningWebhookSchema, {
    id: webhook.id,
    projectId: webhook.projectId,
    target: webhook.target,
    triggers: webhook.triggers,
  });
}

const invalidId = () =>
  papiError(400, 'invalid_id_format', 'Invalid id format.', 'Use the id of an existing webhook.');
const webhookNotFound = () =>
  papiError(404, 'webhook_not_found', 'Webhook not found.', 'Verify that webhookId is correct.');

export function createProvisioningWebhookHandlers(sandbox: SandboxState): HttpHandler[] {
  const { db } = sandbox;
  const inProject = (projectId: string) =>
    db.provisioningWebhooks.findMany((q) => q.where({ projectId }));

  return [
    http.post(WEBHOOKS, async ({ request, params }) => {
      const access = guardProject(sandbox, request, params);
      if (!access.ok) return access.response;
      const body = await parseJsonBody(request, createProvisioningWebhookRequestSchema);
      if (!body.ok) return invalidBody(body.problems, body.malformed);

      const existing = inProject(access.projectId);
      if (existing.some((w) => w.target === body.data.target)) {
        return papiError(
          409,
          'webhook_exists',
          `A webhook for ${body.data.target} already exists in this project.`,
          'Update the existing webhook instead of creating a new one.',
        );
      }
      if (existing.length >= MAX_WEBHOOKS_PER_PROJECT) {
        return papiError(
          424,
          'webhook_limit_reached',
          `A project can have at most ${MAX_WEBHOOKS_PER_PROJECT} webhooks.`,
          'Delete a webhook before creating a new one.',
        );
      }
      sandbox.secrets.remember(body.data.secret);
      const webhook = await db.provisioningWebhooks.create({
        id: sandbox.ids.uuid(),
        projectId: access.projectId,
        target: body.data.target,
        secret: body.data.secret,
        triggers: body.data.triggers,
      });
      return HttpResponse.json(webhookView(webhook), { status: 201 });
    }),

    http.get(WEBHOOKS, ({ request, params }) => {
      const access = guardProject(sandbox, request, params);
      if (!access.ok) return access.response;
      const query = new URL(request.url).searchParams;
      const pageSize = parsePageSize(query.get('pageSize'), {
        min: 1,
        max: MAX_WEBHOOKS_PER_PROJECT,
        fallback: MAX_WEBHOOKS_PER_PROJECT,
      });
      if (pageSize === undefined) return invalidPageSize(MAX_WEBHOOKS_PER_PROJECT);
      const scope = `webhooks:${access.projectId}`;
      const token = query.get('pageToken');
      const offset = token ? decodePageToken(token, scope) : 0;
      if (offset === undefined) return invalidPageToken();

      const all = inProject(access.projectId).sort((a, b) => a.target.localeCompare(b.target));
      const { items, ...page } = papiPage(all, offset, pageSize, scope);
      return HttpResponse.json(
        conform(provisioningWebhookListSchema, { ...page, webhooks: items.map(webhookView) }),
      );
    }),

    http.get(`${WEBHOOKS}/:webhookId`, ({ request, params }) => {
      const access = guardProject(sandbox, request, params);
      if (!access.ok) return access.response;
      const id = String(params.webhookId);
      if (!UUID.test(id)) return invalidId();
      const webhook = db.provisioningWebhooks.findFirst((q) =>
        q.where({ id, projectId: access.projectId }),
      );
      return webhook ? HttpResponse.json(webhookView(webhook)) : webhookNotFound();
    }),

    http.delete(`${WEBHOOKS}/:webhookId`, ({ request, params }) => {
      const access = guardProject(sandbox, request, params);
      if (!access.ok) return access.response;
      const id = String(params.webhookId);
      if (!UUID.test(id)) return invalidId();
      const deleted = db.provisioningWebhooks.delete((q) =>
        q.where({ id, projectId: access.projectId }),
      );
      return deleted ? new HttpResponse(null, { status: 204 }) : webhookNotFound();
    }),
  ];
}
