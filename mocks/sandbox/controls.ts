// The `/_sandbox` HTTP API: script the customer, the senders and the failures, and read back what
// happened. JSON in and out; every body is validated, and a bad one gets 400 {error, message}.
import { type HttpHandler, HttpResponse, http } from 'msw';
import { z } from 'zod';
import { senderErrorCodeSchema } from '../../src/upstreams/sinch/contract.ts';
import { type Problem, parseJsonBody, problemText } from '../handlers/request-body.ts';
import { senderView } from '../handlers/sender-view.ts';
import { configPatchSchema, DELIVERY_REPORT_MODES } from './config.ts';
import { playInboundMessage } from './conversation-callbacks.ts';
import { faultInputSchema } from './faults.ts';
import { issueMetaCode, metaCodeRequestSchema } from './meta-codes.ts';
import type { Sandbox } from './sandbox.ts';
import { applyScenarioToSubproject } from './scenario-wiring.ts';
import { chooseScenarioSchema, scenarioCatalogue } from './scenarios.ts';
import { senderHealthChangeSchema } from './sender-lifecycle.ts';
import { senderOutcomeSchema } from './sender-outcomes.ts';
import { playSignup, signupOutcomeSchema } from './signups.ts';
import { stateSnapshot } from './state-snapshot.ts';
import { SANDBOX_PREFIX, UPSTREAM_NAMES } from './upstreams.ts';

const resetSchema = z
  .object({ seed: z.union([z.string().min(1), z.number()]).optional() })
  .strict();

const forcedSenderStateSchema = z
  .object({
    state: z.enum(['ACTIVE', 'ERROR', 'SUSPENDED', 'INACTIVE']),
    errorCode: senderErrorCodeSchema.optional(),
    errorReason: z.string().min(1).max(1000).optional(),
  })
  .strict();

const inboundMessageSchema = z
  .object({
    appId: z.string().min(1),
    from: z.string().regex(/^\+?\d{7,15}$/, 'must be a phone number in E.164'),
    text: z.string().min(1).max(4096),
  })
  .strict();

const deliveryReportsSchema = z.object({ mode: z.enum(DELIVERY_REPORT_MODES) }).strict();

const journalQuerySchema = z.enum(UPSTREAM_NAMES).optional();

function controlError(status: number, error: string, message: string) {
  return HttpResponse.json({ error, message }, { status });
}

const noContent = () => new HttpResponse(null, { status: 204 });

export function createControlHandlers(sandbox: Sandbox): HttpHandler[] {
  const at = (path: string) => `${SANDBOX_PREFIX}${path}`;
  const invalid = (problems: Problem[]) =>
    controlError(400, 'invalid_request', problemText(problems));

  return [
    http.get(SANDBOX_PREFIX, () =>
      HttpResponse.json({
        urls: sandbox.urls,
        credentials: sandbox.credentials,
        config: sandbox.config,
      }),
    ),

    http.post(at('/reset'), async ({ request }) => {
      const body = await parseJsonBody(request, resetSchema, {});
      if (!body.ok) return invalid(body.problems);
      sandbox.reset(body.data.seed);
      return HttpResponse.json({ seed: sandbox.ids.seed ?? null });
    }),

    http.patch(at('/config'), async ({ request }) => {
      const body = await parseJsonBody(request, configPatchSchema);
      if (!body.ok) return invalid(body.problems);
      Object.assign(sandbox.config, body.data);
      return HttpResponse.json(sandbox.config);
    }),

    http.post(at('/sendzen/signups'), async ({ request }) => {
      const body = await parseJsonBody(request, signupOutcomeSchema);
      if (!body.ok) return invalid(body.problems);
      const played = await playSignup(sandbox, body.data);
      if (!played) {
        return controlError(
          404,
          'not_found',
          `No SendZen customer ${body.data.clientIdentifier}: onboard it first.`,
        );
      }
      // A closed window posts nothing and sends no webhook.
      return HttpResponse.json(
        played.kind === 'closed' ? { result: null } : { result: played.result },
      );
    }),

    http.get(at('/scenarios'), () =>
      HttpResponse.json({ scenarios: scenarioCatalogue(), chosen: sandbox.scenarios.list() }),
    ),
    http.post(at('/scenarios'), async ({ request }) => {
      const body = await parseJsonBody(request, chooseScenarioSchema);
      if (!body.ok) return invalid(body.problems);
      const { clientIdentifier, scenario, params } = body.data;
      // Chosen after onboardCustomer: the customer's subproject may already be known.
      const existing = sandbox.scenarios.forCustomer(clientIdentifier);
      const binding = sandbox.scenarios.bind(
        scenario,
        { clientIdentifier, subprojectId: existing?.subprojectId },
        params,
      )!;
      if (!binding.subprojectId) {
        const subproject = sandbox.db.subprojects.findFirst((q) =>
          q.where({ displayName: clientIdentifier, deleted: false }),
        );
        if (subproject) applyScenarioToSubproject(sandbox, binding, subproject.subprojectId);
      }
      return HttpResponse.json(
        {
          scenario: binding.scenario,
          clientIdentifier,
          params: binding.params,
          subprojectId: binding.subprojectId ?? null,
        },
        { status: 201 },
      );
    }),

    // What the customer's browser holds after Meta's signup window: a code for these ids.
    http.post(at('/meta/codes'), async ({ request }) => {
      const body = await parseJsonBody(request, metaCodeRequestSchema, {});
      if (!body.ok) return invalid(body.problems);
      const { code, wabaId, phoneNumberId, expiresAt } = await issueMetaCode(sandbox, body.data);
      return HttpResponse.json(
        { code, wabaId, phoneNumberId, expiresAt: new Date(expiresAt).toISOString() },
        { status: 201 },
      );
    }),

    http.post(at('/sinch/sender-outcomes'), async ({ request }) => {
      const body = await parseJsonBody(request, senderOutcomeSchema);
      if (!body.ok) return invalid(body.problems);
      sandbox.senderOutcomes.push(body.data);
      return HttpResponse.json({ outcomes: sandbox.senderOutcomes.list() }, { status: 201 });
    }),
    http.get(at('/sinch/sender-outcomes'), () =>
      HttpResponse.json({ outcomes: sandbox.senderOutcomes.list() }),
    ),
    http.delete(at('/sinch/sender-outcomes'), () => {
      sandbox.senderOutcomes.clear();
      return noContent();
    }),

    http.post(at('/sinch/senders/:senderId/state'), async ({ request, params }) => {
      const body = await parseJsonBody(request, forcedSenderStateSchema);
      if (!body.ok) return invalid(body.problems);
      const sender = await sandbox.senders.transition(String(params.senderId), body.data);
      if (!sender) return controlError(404, 'not_found', `No sender ${String(params.senderId)}.`);
      return HttpResponse.json({ sender: senderView(sender) });
    }),

    http.post(at('/sinch/senders/:senderId/health'), async ({ request, params }) => {
      const body = await parseJsonBody(request, senderHealthChangeSchema);
      if (!body.ok) return invalid(body.problems);
      const sender = await sandbox.senders.changeHealth(String(params.senderId), body.data);
      if (!sender) return controlError(404, 'not_found', `No sender ${String(params.senderId)}.`);
      return HttpResponse.json({ sender: senderView(sender) });
    }),

    // A contact answers on WhatsApp: a signed MESSAGE_INBOUND callback to the app's webhooks.
    http.post(at('/conversation/inbound'), async ({ request }) => {
      const body = await parseJsonBody(request, inboundMessageSchema);
      if (!body.ok) return invalid(body.problems);
      const { appId, from, text } = body.data;
      const app = sandbox.db.conversationApps.findFirst((q) => q.where({ id: appId }));
      if (!app) return controlError(404, 'not_found', `No Conversation API app ${appId}.`);
      const played = playInboundMessage(sandbox, app, from.replace(/^\+/, ''), text);
      return HttpResponse.json(played, { status: 202 });
    }),
    // What follows each send from now on: normal, failed, or no delivery report at all.
    http.post(at('/conversation/delivery-reports'), async ({ request }) => {
      const body = await parseJsonBody(request, deliveryReportsSchema);
      if (!body.ok) return invalid(body.problems);
      sandbox.config.deliveryReports = body.data.mode;
      return HttpResponse.json({ mode: sandbox.config.deliveryReports });
    }),

    http.post(at('/faults'), async ({ request }) => {
      const body = await parseJsonBody(request, faultInputSchema);
      if (!body.ok) return invalid(body.problems);
      return HttpResponse.json(sandbox.faults.add(body.data), { status: 201 });
    }),
    http.get(at('/faults'), () => HttpResponse.json({ faults: sandbox.faults.list() })),
    http.delete(at('/faults'), () => {
      sandbox.faults.clear();
      return noContent();
    }),
    http.delete(at('/faults/:faultId'), ({ params }) =>
      sandbox.faults.remove(String(params.faultId))
        ? noContent()
        : controlError(404, 'not_found', `No fault ${String(params.faultId)}.`),
    ),

    http.get(at('/journal'), ({ request }) => {
      const upstream = journalQuerySchema.safeParse(
        new URL(request.url).searchParams.get('upstream') ?? undefined,
      );
      if (!upstream.success) {
        return controlError(
          400,
          'invalid_request',
          `upstream must be one of ${UPSTREAM_NAMES.join(', ')}`,
        );
      }
      return HttpResponse.json({ entries: sandbox.journal.list(upstream.data) });
    }),
    http.delete(at('/journal'), () => {
      sandbox.journal.clear();
      return noContent();
    }),

    http.get(at('/state'), () => HttpResponse.json(stateSnapshot(sandbox))),
  ];
}
