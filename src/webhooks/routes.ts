// The routes upstreams call back on. Each names its onboarding in the path and proves itself with
// that onboarding's own secret: SendZen signs nothing, so its URL carries an unguessable token;
// Sinch signs every callback with the secret we registered. A delivery is verified, stored,
// acknowledged, and only then applied; nothing that fails verification is written anywhere, so a
// request without a credential cannot grow the database.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookSource } from '../db/schema.ts';
import { BodyTooLarge, parseJson, readBody, sendJson } from '../http-messages.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { CallbackSecret, Onboardings } from '../onboarding/service.ts';
import { parseSignupWebhook } from '../upstreams/sendzen/client.ts';
import { provisioningCallbackSchema } from '../upstreams/sinch/contract.ts';
import { verifyCallback } from '../upstreams/sinch/signature.ts';
import type { WebhookInbox } from './inbox.ts';

export interface WebhookRouteDeps {
  onboardings: Onboardings;
  inbox: WebhookInbox;
  metrics: Pick<GatewayMetrics, 'webhookDelivery'>;
}

const SECRET_OF: Record<WebhookSource, CallbackSecret> = {
  sendzen: 'sendzen_webhook_token',
  'sinch-provisioning': 'provisioning_webhook_secret',
  'sinch-conversation': 'app_webhook_secret',
};

const ROUTES: { pattern: RegExp; source: WebhookSource }[] = [
  { pattern: /^\/webhooks\/sendzen\/([0-9A-Z]{26})\/([A-Za-z0-9_-]{1,128})$/, source: 'sendzen' },
  { pattern: /^\/webhooks\/sinch\/provisioning\/([0-9A-Z]{26})$/, source: 'sinch-provisioning' },
  { pattern: /^\/webhooks\/sinch\/conversation\/([0-9A-Z]{26})$/, source: 'sinch-conversation' },
];

/**
 * What a delivery naming an onboarding we do not know is verified against. It fails there exactly
 * as a wrong token or signature fails for one we know (same checks, same 401, same reason, same
 * metric), so the answer never tells a caller which ids exist; a 404 for unknown ids would. Random
 * per process and never handed out, so nothing can be signed with it.
 */
const UNKNOWN_ONBOARDING_SECRET = randomBytes(32).toString('base64url');

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time, whatever the lengths: both sides are hashed first. */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

/** True when the path is a webhook route (answered here, whatever the outcome). */
export async function handleWebhook(
  deps: WebhookRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  if (!path.startsWith('/webhooks/')) return false;
  const route = ROUTES.map((r) => ({ ...r, match: r.pattern.exec(path) })).find((r) => r.match);
  if (!route?.match) {
    // Not a delivery from any source we know (a scanner, a typo): not counted.
    sendJson(res, 404, { error: 'not_found' });
    return true;
  }
  const { source } = route;
  // Every answer to a known route is counted, by outcome and, for a refusal, why.
  const reject = (status: number, error: string, message?: string) => {
    deps.metrics.webhookDelivery(source, 'rejected', error);
    sendJson(res, status, { error, ...(message ? { message } : {}) });
    return true;
  };
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return reject(405, 'method_not_allowed');
  }

  let raw: string;
  try {
    raw = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLarge) return reject(413, 'body_too_large');
    throw error;
  }
  const json = parseJson(raw);
  if (!json.ok) return reject(400, 'invalid_json');

  const onboardingId = route.match[1]!;
  const known = await deps.onboardings.callbackSecret(onboardingId, SECRET_OF[source]);
  const secret = known ?? UNKNOWN_ONBOARDING_SECRET;
  const verdict =
    source === 'sendzen'
      ? verifySendzen(secret, route.match[2]!, json.value, raw, onboardingId)
      : await verifySinch(deps, secret, source, req, raw, json.value);
  if (!verdict.ok) return reject(verdict.status, verdict.error, verdict.message);
  // Unreachable without the process's own random secret; kept so that nothing is ever stored
  // for an onboarding that does not exist.
  if (known === undefined)
    return reject(401, source === 'sendzen' ? 'invalid_token' : 'bad_signature');

  const id = await deps.inbox.store({
    source,
    dedupKey: verdict.dedupKey,
    nonce: verdict.nonce,
    onboardingRef: onboardingId,
    body: json.value,
  });
  if (id === undefined) {
    deps.metrics.webhookDelivery(source, 'duplicate');
    sendJson(res, 200, { status: 'duplicate' });
    return true;
  }
  deps.metrics.webhookDelivery(source, 'accepted');
  sendJson(res, 200, { status: 'accepted' });
  deps.inbox.processSoon(id, json.value);
  return true;
}

type Verdict =
  | { ok: true; dedupKey: string; nonce?: string }
  | { ok: false; status: number; error: string; message?: string };

function verifySendzen(
  expected: string,
  token: string,
  body: unknown,
  raw: string,
  onboardingId: string,
): Verdict {
  if (!sameSecret(token, expected)) return { ok: false, status: 401, error: 'invalid_token' };
  const parsed = parseSignupWebhook(body);
  if (!parsed.ok) return { ok: false, status: 400, error: 'invalid_body', message: parsed.problem };
  // SendZen gives a delivery no id; the same result sent twice to the same onboarding is the same
  // body. A customer who starts again may sign up with the same number: the same body, but for
  // the new attempt's URL, and not a repeat.
  return { ok: true, dedupKey: `${onboardingId}:${sha256(raw).toString('hex')}` };
}

async function verifySinch(
  deps: WebhookRouteDeps,
  secret: string,
  source: 'sinch-provisioning' | 'sinch-conversation',
  req: IncomingMessage,
  raw: string,
  body: unknown,
): Promise<Verdict> {
  const signature = await verifyCallback({
    secret,
    rawBody: raw,
    headers: req.headers,
    isReplay: (nonce) => deps.inbox.nonceSeen(source, nonce),
  });
  if (!signature.ok) return { ok: false, status: 401, error: signature.reason };

  if (source === 'sinch-provisioning') {
    const parsed = provisioningCallbackSchema.safeParse(body);
    if (!parsed.success)
      return {
        ok: false,
        status: 400,
        error: 'invalid_body',
        message: parsed.error.issues[0]?.message,
      };
    // Sinch retries re-sign with a new nonce: the event itself is the sender's state at a time.
    const { type, payload } = parsed.data;
    return {
      ok: true,
      nonce: signature.nonce,
      dedupKey: `${type}:${payload.id}:${payload.modified ?? signature.nonce}`,
    };
  }
  const event = body as {
    message?: { id?: string };
    message_delivery_report?: { message_id?: string; status?: string };
  };
  const key =
    event.message?.id ??
    (event.message_delivery_report?.message_id
      ? `${event.message_delivery_report.message_id}:${event.message_delivery_report.status}`
      : sha256(raw).toString('hex'));
  return { ok: true, nonce: signature.nonce, dedupKey: key };
}
