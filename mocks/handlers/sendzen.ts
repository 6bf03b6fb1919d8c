// SendZen partner API (contracts A.1): one call creates (or finds) the customer's project and
// hands out a fresh onboarding iframe link.
import { type HttpHandler, HttpResponse, http } from 'msw';
import {
  onboardRequestSchema,
  onboardResponseSchema,
} from '../../src/upstreams/sendzen/contract.ts';
import type { SendzenProject } from '../data/sendzen-projects.ts';
import type { SandboxState } from '../sandbox/sandbox.ts';
import { webhookUrlSecret } from '../sandbox/scrub.ts';
import { conform } from './conform.ts';
import { sendzenError } from './error-bodies.ts';
import { declaresJson, parseJsonBody, problemText } from './request-body.ts';

export const IFRAME_PATH = '/sendzen/onboard/iframe';

function webhookStatus(url: string | null) {
  return url
    ? { url, valid: true, detail: 'Webhook URL is valid and configured' }
    : { url: null, valid: false, detail: 'No webhook URL was provided' };
}

export function createSendzenHandlers(sandbox: SandboxState): HttpHandler[] {
  const { db, ids } = sandbox;

  async function findOrCreateProject(clientIdentifier: string, webhookUrl: string | undefined) {
    const existing = db.sendzenProjects.findFirst((q) => q.where({ clientIdentifier }));
    if (!existing) {
      const project: SendzenProject = {
        clientIdentifier,
        projectId: `proj_${ids.hex(12)}`,
        projectName: `Project ${clientIdentifier}`,
        api_key: `sk_live_${ids.token(24)}`,
        webhookUrl: webhookUrl ?? null,
        createdAt: new Date().toISOString(),
        lastSignup: null,
      };
      sandbox.secrets.remember(project.api_key);
      return db.sendzenProjects.create(project);
    }
    // A repeated call may point the customer's events somewhere new; leaving it out keeps the old.
    if (webhookUrl === undefined || webhookUrl === existing.webhookUrl) return existing;
    return (await db.sendzenProjects.update(existing, {
      data(p) {
        p.webhookUrl = webhookUrl;
      },
    }))!;
  }

  return [
    http.post('/sendzen/v1/partner/onboard', async ({ request }) => {
      const key = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization')?.trim() ?? '')?.[1];
      if (key !== sandbox.credentials.sendzenPartnerKey) {
        return sendzenError(401, 'Invalid API key', 'The provided API key is invalid or expired');
      }
      if (!declaresJson(request)) {
        return sendzenError(400, 'invalid_request', 'Content-Type must be application/json');
      }
      const body = await parseJsonBody(request, onboardRequestSchema);
      if (!body.ok) return sendzenError(400, 'invalid_request', problemText(body.problems));

      // The customer's scenario: a storm of 503s, or a slow answer.
      const scenario = sandbox.scenarios.forCustomer(body.data.client_identifier);
      const script = scenario?.plan.sendzen;
      if (scenario && script && scenario.sendzenLeft !== 0) {
        if (scenario.sendzenLeft !== null) scenario.sendzenLeft--;
        if (script.delayMs !== undefined) await sandbox.timers.sleep(script.delayMs);
        if (script.status !== undefined) {
          return sendzenError(
            script.status,
            'service_unavailable',
            'SendZen is temporarily unavailable. Please try again later.',
          );
        }
      }

      // Only what the fake shows is redacted: deliveries still go to the URL as given.
      if (body.data.client_webhook_url) {
        sandbox.secrets.remember(webhookUrlSecret(body.data.client_webhook_url));
      }
      const project = await findOrCreateProject(
        body.data.client_identifier,
        body.data.client_webhook_url,
      );
      const token = ids.token(48);
      sandbox.secrets.remember(token);
      await db.iframeSessions.create({
        token,
        clientIdentifier: project.clientIdentifier,
        expiresAt: Date.now() + sandbox.config.iframeTtlMs,
      });

      // The iframe's own origin when the fake serves it on a port of its own; else the request's
      // own origin, so the link also works through a port mapping or a proxy.
      const iframeUrl = new URL(
        IFRAME_PATH,
        sandbox.urls.sendzenIframe || new URL(request.url).origin,
      );
      iframeUrl.searchParams.set('token', token);
      return HttpResponse.json(
        conform(onboardResponseSchema, {
          user_data: {
            client_identifier: project.clientIdentifier,
            project_id: project.projectId,
            project_name: project.projectName,
            api_key: project.api_key,
          },
          iframe_url: iframeUrl.href,
          webhook: webhookStatus(project.webhookUrl),
        }),
      );
    }),
  ];
}
