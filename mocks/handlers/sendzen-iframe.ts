// The fake SendZen onboarding iframe: the page a customer sees, and the endpoint its buttons call.
import { type HttpHandler, HttpResponse, http } from 'msw';
import { z } from 'zod';
import type { IframeSession } from '../data/iframe-sessions.ts';
import {
  renderLinkExpiredPage,
  renderLinkNotFoundPage,
  renderSignupPage,
} from '../sandbox/iframe.ts';
import type { SandboxState } from '../sandbox/sandbox.ts';
import { SIGNUP_ACTIONS } from '../sandbox/scenarios.ts';
import { playSignup } from '../sandbox/signups.ts';
import { sendzenError } from './error-bodies.ts';
import { parseJsonBody, problemText } from './request-body.ts';
import { IFRAME_PATH } from './sendzen.ts';

const RESULT_PATH = `${IFRAME_PATH}/result`;

const iframeResultSchema = z.object({
  token: z.string().min(1),
  /** The button the customer pressed. */
  action: z.enum(SIGNUP_ACTIONS).optional(),
  /** The older page's field: completed is `complete`, cancelled `cancel`. */
  outcome: z.enum(['completed', 'cancelled']).optional(),
});

const NO_STORE = { 'cache-control': 'no-store' };

export function createSendzenIframeHandlers(sandbox: SandboxState): HttpHandler[] {
  function session(token: string | null): IframeSession | 'unknown' | 'expired' {
    const found = token
      ? sandbox.db.iframeSessions.findFirst((q) => q.where({ token }))
      : undefined;
    if (!found) return 'unknown';
    return found.expiresAt <= Date.now() ? 'expired' : found;
  }

  return [
    http.get(IFRAME_PATH, ({ request }) => {
      const found = session(new URL(request.url).searchParams.get('token'));
      if (found === 'unknown') {
        return HttpResponse.html(renderLinkNotFoundPage(), { status: 404, headers: NO_STORE });
      }
      if (found === 'expired') {
        return HttpResponse.html(renderLinkExpiredPage(), { status: 410, headers: NO_STORE });
      }
      const project = sandbox.db.sendzenProjects.findFirst((q) =>
        q.where({ clientIdentifier: found.clientIdentifier }),
      );
      if (!project) {
        return HttpResponse.html(renderLinkNotFoundPage(), { status: 404, headers: NO_STORE });
      }
      return HttpResponse.html(
        renderSignupPage({
          clientIdentifier: project.clientIdentifier,
          projectId: project.projectId,
          token: found.token,
          expiresAt: found.expiresAt,
          resultPath: RESULT_PATH,
          scenario: sandbox.scenarios.forCustomer(project.clientIdentifier)?.scenario,
        }),
        { headers: NO_STORE },
      );
    }),

    http.post(RESULT_PATH, async ({ request }) => {
      const body = await parseJsonBody(request, iframeResultSchema);
      if (!body.ok) return sendzenError(400, 'invalid_request', problemText(body.problems));
      const found = session(body.data.token);
      if (found === 'unknown') return sendzenError(404, 'not_found', 'Unknown onboarding link.');
      if (found === 'expired') {
        return sendzenError(410, 'link_expired', 'The onboarding link has expired.');
      }
      const { action, outcome } = body.data;
      const played = await playSignup(sandbox, {
        clientIdentifier: found.clientIdentifier,
        action: action ?? (outcome === 'cancelled' ? 'cancel' : 'complete'),
      });
      if (!played) return sendzenError(404, 'not_found', 'Unknown customer.');
      // The window closed: nothing to post.
      return HttpResponse.json({ result: played.kind === 'closed' ? null : played.result });
    }),
  ];
}
