// The sandbox's partner-panel demo at `/`: a page and the small backend every partner panel needs.
// The backend holds the API key and calls the gateway over HTTP exactly as a partner's backend
// would; the browser only ever receives an iframe URL (or, on Meta's path, the gateway's
// `metaSignupLaunch`) and an onboarding session token.
//
//   GET  /                                  the page (src/demo/public/index.html)
//   GET  /demo/{app.js,style.css,favicon.svg}
//   GET  /demo/api/config                   { sendzenOrigin, metaSignup, serverTime, steps, scenarios }
//   POST /demo/api/onboardings              onboardCustomer (SendZen's or Meta's signup path) ->
//                                           iframe URL or metaSignupLaunch, + session token
//   POST /demo/api/onboardings/:id/retry    retryOnboarding + a fresh session token
//   POST /demo/api/onboardings/:id/link     refreshOnboardingLink + a fresh session token
//   POST /demo/api/onboardings/:id/session  a fresh session token only
//   POST /demo/api/onboardings/:id/cancel   cancelOnboarding (it ends the sessions: none follows)
//   POST /demo/api/onboardings/:id/numbers  { phoneNumberId }: addPhoneNumber (write key only);
//                                           a refused number answers 409 with Sinch's `code`
//   POST /demo/api/onboardings/:id/messages { to, text }: sendTestMessage (write key only); the
//                                           gateway's refusals answer 4xx/502 with its message
//   GET  /demo/api/feed                     server-sent events: every onboarding, live
//   GET  /demo/api/vendor-events            the signed events the demo's backend received (it
//                                           registers itself as an event endpoint on first use)
//   POST /demo/api/vendor-events            the gateway's signed event POSTs (src/demo/vendor-backend.ts)
//
// A real panel would also check that the signed-in user owns the onboarding an :id names; the
// demo has no users, so it skips that.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import { SIGNUP_PATHS } from '../db/schema.ts';
import { BodyTooLarge, readBody, sendJson } from '../http-messages.ts';
import { PLAN } from '../onboarding/plan.ts';
import { projectPath } from '../paths.ts';
import { plainText } from '../schema/plain-text.ts';
import type { RouteHandler } from '../server.ts';
import {
  ADD_NUMBER,
  CANCEL,
  DemoError,
  describe,
  FEED,
  type GraphQLBody,
  gatewayClient,
  LIST,
  ONBOARD,
  type OnboardingFields,
  REFRESH_LINK,
  RETRY,
  SEND_MESSAGE,
  SESSION,
  type SentMessages,
  type SessionResult,
  sessionAnswer,
  sseEvents,
  type UnionResult,
  unwrap,
} from './gateway-client.ts';
import { VENDOR_EVENTS_PATH, vendorBackend } from './vendor-backend.ts';

export interface DemoOptions {
  /** Where the gateway listens, e.g. http://127.0.0.1:4000: the demo backend calls it over HTTP. */
  gatewayUrl: string;
  /** The partner API key the demo backend uses. It never reaches the browser. */
  apiKey: string;
  /** The origin the SendZen iframe is served from and posts its result from. */
  sendzenOrigin: string;
  /** The bundled fake's named scenarios the start form offers beside the happy path. */
  scenarios?: { value: string; label: string }[];
  /**
   * Meta's SDK as the gateway's configuration names it (in the sandbox, the fake's stand-in): the
   * page may load script from its origin, and offers Meta's path only when there is one.
   */
  metaSdkUrl?: string;
  /**
   * The fake's controls (`/_sandbox`): a chosen scenario is bound to the customer there before the
   * onboarding starts, so the parts that happen before the Sinch subproject exists (SendZen's
   * answers, the signup) play it too; the label alone reaches the fake only with the subproject.
   */
  fakeControlsUrl?: string;
}

// The page's files are not compiled: the build reads them from the source tree too.
const PUBLIC_DIR = projectPath('src/demo/public');

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/demo/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/demo/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/demo/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

const MAX_BODY_BYTES = 16 * 1024;
const FEED_HEARTBEAT_MS = 15_000;
const FEED_INITIAL_PAGE = 50;

const startSchema = z.object({
  clientIdentifier: z.string().trim().min(1, 'is required').max(255),
  displayName: z
    .string()
    .trim()
    .max(255)
    .optional()
    .transform((v) => v || undefined),
  region: z.enum(['US', 'EU', 'BR']).default('US'),
  /**
   * A named scenario of the bundled fake (GET /_sandbox/scenarios): passed as the
   * `sandbox-scenario` label, which the fake reads off the customer's Sinch subproject.
   */
  scenario: z
    .string()
    .trim()
    .max(100)
    .optional()
    .transform((v) => v || undefined),
  /** SENDZEN (the gateway's default) or META_EMBEDDED_SIGNUP; left out, the gateway decides. */
  signupPath: z.enum(SIGNUP_PATHS).optional(),
});

const addNumberSchema = z.object({
  phoneNumberId: z
    .string()
    .trim()
    .regex(/^\d{1,32}$/, "is Meta's numeric id of the number (not the phone number itself)"),
});

/** The gateway's own rules for sendTestMessage, checked here first so bad input never leaves. */
const sendMessageSchema = z.object({
  to: z
    .string()
    .trim()
    .regex(/^\+?\d{7,15}$/, 'is a phone number in E.164: + and 7 to 15 digits, e.g. +46701234567'),
  text: plainText().min(1, 'is required').max(1024, 'is at most 1024 characters'),
});

/** The gateway's typed refusals of a test message, as HTTP statuses the page can act on. */
const SEND_REFUSALS: Record<string, number> = {
  InvalidInput: 400,
  OnboardingNotFound: 404,
  PreconditionFailed: 409,
  UpstreamFailure: 502,
};

/** The start form's first choice: no scenario, no label. */
const HAPPY_PATH = { value: '', label: 'Happy path' };

export const SCENARIO_LABEL = 'sandbox-scenario';

const onboardingIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9+/=_-]+$/, 'is not an onboarding id');

export function createDemoRoutes(options: DemoOptions): RouteHandler {
  const sendzenOrigin = new URL(options.sendzenOrigin).origin;
  const metaSdkOrigin = options.metaSdkUrl ? new URL(options.metaSdkUrl).origin : undefined;
  const gateway = gatewayClient(options);
  const backend = vendorBackend(gateway, options.gatewayUrl);
  // Self only: no inline script or style, nothing from elsewhere but Meta's SDK; only SendZen may
  // be framed (Meta's signup opens in a window of its own, which this page's policy does not cover).
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src 'self'${metaSdkOrigin ? ` ${metaSdkOrigin}` : ''}`,
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    `frame-src ${sendzenOrigin}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  const securityHeaders = {
    'content-security-policy': contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };

  async function serveAsset(res: ServerResponse, asset: { file: string; type: string }) {
    const body = await readFile(join(PUBLIC_DIR, asset.file));
    res.writeHead(200, {
      ...securityHeaders,
      'content-type': asset.type,
      'content-length': body.length,
      'cache-control': 'no-cache',
    });
    res.end(body);
  }

  function answer(res: ServerResponse, status: number, body: unknown) {
    res.setHeader('cache-control', 'no-store');
    for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);
    sendJson(res, status, body);
  }

  async function jsonBody(req: IncomingMessage): Promise<unknown> {
    const type = req.headers['content-type'] ?? '';
    // A JSON content type cannot be sent cross-site without a CORS preflight, which nothing here
    // answers: another site open in the same browser cannot drive these routes.
    if (!type.startsWith('application/json')) {
      throw new DemoError(415, 'Send the request body as application/json');
    }
    let text: string;
    try {
      text = await readBody(req, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLarge) throw new DemoError(413, 'The request body is too large');
      throw error;
    }
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      throw new DemoError(400, 'The request body is not valid JSON');
    }
  }

  function refuseCrossOrigin(req: IncomingMessage) {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) {
      throw new DemoError(403, 'Cross-origin requests are not accepted');
    }
  }

  async function start(req: IncomingMessage) {
    const parsed = startSchema.safeParse(await jsonBody(req));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new DemoError(400, `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    if (parsed.data.scenario && options.fakeControlsUrl) {
      await chooseScenario(parsed.data.clientIdentifier, parsed.data.scenario);
    }
    const data = await gateway.gql<{
      onboardCustomer: {
        created: boolean;
        sessionToken: string;
        sessionExpiresAt: string;
        onboarding: OnboardingFields;
      };
    }>(ONBOARD, { input: onboardInput(parsed.data) });
    const { created, sessionToken, sessionExpiresAt, onboarding } = data.onboardCustomer;
    return sessionAnswer(
      { token: sessionToken, expiresAt: sessionExpiresAt, onboarding },
      { created },
    );
  }

  async function chooseScenario(clientIdentifier: string, scenario: string) {
    const res = await fetch(`${options.fakeControlsUrl}/scenarios`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientIdentifier, scenario }),
    });
    if (!res.ok) {
      const problem = (await res.json().catch(() => ({}))) as { message?: string };
      throw new DemoError(400, `scenario: ${problem.message ?? `the fake answered ${res.status}`}`);
    }
  }

  function onboardInput({ scenario, ...fields }: z.infer<typeof startSchema>) {
    return scenario ? { ...fields, labels: [{ key: SCENARIO_LABEL, value: scenario }] } : fields;
  }

  async function addNumber(req: IncomingMessage, id: string) {
    const parsed = addNumberSchema.safeParse(await jsonBody(req));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new DemoError(400, `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    const { result } = await gateway.gql<{
      result:
        | UnionResult<'onboarding', OnboardingFields>
        | {
            __typename: 'PhoneNumberUnavailable';
            message: string;
            code: string;
            phoneNumberId: string;
          };
    }>(ADD_NUMBER, { id, phoneNumberId: parsed.data.phoneNumberId });
    if ('code' in result) {
      throw new DemoError(409, result.message, {
        code: result.code,
        phoneNumberId: result.phoneNumberId,
      });
    }
    const onboarding = unwrap(result, 'onboarding');
    return {
      onboardingId: onboarding.id,
      status: onboarding.status,
      version: onboarding.version,
      phoneNumberId: parsed.data.phoneNumberId,
      serverTime: new Date().toISOString(),
    };
  }

  async function sendMessage(req: IncomingMessage, id: string) {
    const parsed = sendMessageSchema.safeParse(await jsonBody(req));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new DemoError(400, `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    const { to, text } = parsed.data;
    const { result } = await gateway.gql<{
      result:
        | { __typename: 'SendTestMessageSuccess'; onboarding: OnboardingFields & SentMessages }
        | {
            __typename: string;
            message: string;
            step?: string;
            field?: string;
            upstream?: string;
            code?: string;
            retryable?: boolean;
          };
    }>(SEND_MESSAGE, { id, to, text });
    if ('message' in result) {
      const { __typename, message, ...detail } = result;
      throw new DemoError(SEND_REFUSALS[__typename] ?? 409, message, {
        refusal: __typename,
        ...detail,
      });
    }
    const { onboarding } = result;
    return {
      onboardingId: onboarding.id,
      status: onboarding.status,
      version: onboarding.version,
      message: onboarding.testMessages[0] ?? null,
      serverTime: new Date().toISOString(),
    };
  }

  async function cancel(id: string) {
    const data = await gateway.gql<{
      result: UnionResult<'onboarding', OnboardingFields & { cancelledAt: string | null }>;
    }>(CANCEL, { id });
    const onboarding = unwrap(data.result, 'onboarding');
    return {
      onboardingId: onboarding.id,
      status: onboarding.status,
      version: onboarding.version,
      cancelledAt: onboarding.cancelledAt,
      serverTime: new Date().toISOString(),
    };
  }

  async function withSession(query: string, id: string) {
    const data = await gateway.gql<{
      result?: UnionResult<'onboarding', OnboardingFields>;
      session: UnionResult<'session', SessionResult>;
    }>(query, { id });
    if (data.result) unwrap(data.result, 'onboarding');
    return sessionAnswer(unwrap(data.session, 'session'));
  }

  /** Server-sent events: the current list, then every onboarding's changes as they happen. */
  async function feed(res: ServerResponse) {
    res.writeHead(200, {
      ...securityHeaders,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    res.write('retry: 2000\n\n');

    // The browser going away ends the upstream subscription too.
    const upstream = new AbortController();
    res.once('close', () => upstream.abort());
    const heartbeat = setInterval(() => {
      if (!res.writableEnded) res.write(': ping\n\n');
    }, FEED_HEARTBEAT_MS);
    try {
      // Subscribe before reading the list, so no change can fall between the two; the page keeps
      // the highest version of each onboarding, so one seen twice does no harm.
      const stream = await gateway.subscribe(FEED, upstream.signal);
      const list = await gateway.gql<{
        onboardings: { edges: { node: Record<string, unknown> }[] };
      }>(LIST, { first: FEED_INITIAL_PAGE });
      send('snapshot', { onboardings: list.onboardings.edges.map((e) => e.node) });
      for await (const event of sseEvents(stream)) {
        if (event.event === 'complete') break;
        const payload = JSON.parse(event.data) as GraphQLBody<{
          onboardingsUpdated: Record<string, unknown>;
        }>;
        if (payload.errors?.length) send('problem', { message: payload.errors[0]!.message });
        if (payload.data?.onboardingsUpdated) send('onboarding', payload.data.onboardingsUpdated);
      }
    } catch (error) {
      if (!upstream.signal.aborted) send('problem', { message: describe(error) });
    } finally {
      clearInterval(heartbeat);
      upstream.abort();
      if (!res.writableEnded) res.end();
    }
  }

  return async (req, res, path) => {
    const method = req.method ?? 'GET';
    const asset = ASSETS[path];
    if (asset) {
      if (method !== 'GET' && method !== 'HEAD') return false;
      await serveAsset(res, asset);
      return true;
    }
    if (!path.startsWith('/demo/api/')) return false;

    try {
      if (path === '/demo/api/config' && method === 'GET') {
        // The step order comes from the gateway's one list of steps, not a copy in the page.
        const steps = PLAN.map(({ name, label, description }) => ({ name, label, description }));
        answer(res, 200, {
          sendzenOrigin,
          metaSignup: metaSdkOrigin !== undefined,
          serverTime: new Date().toISOString(),
          steps,
          scenarios: [HAPPY_PATH, ...(options.scenarios ?? [])],
        });
        return true;
      }
      if (path === '/demo/api/feed' && method === 'GET') {
        await feed(res);
        return true;
      }
      if (path === VENDOR_EVENTS_PATH && method === 'GET') {
        await backend.list(res);
        return true;
      }
      // The gateway's dispatcher, not a browser: the signature is the check, not the origin.
      if (path === VENDOR_EVENTS_PATH && method === 'POST') {
        await backend.receive(req, res);
        return true;
      }
      if (path === '/demo/api/onboardings' && method === 'POST') {
        refuseCrossOrigin(req);
        answer(res, 200, await start(req));
        return true;
      }
      const match =
        /^\/demo\/api\/onboardings\/([^/]+)\/(retry|link|session|cancel|numbers|messages)$/.exec(
          path,
        );
      if (match && method === 'POST') {
        refuseCrossOrigin(req);
        const id = onboardingIdSchema.safeParse(decodeURIComponent(match[1]!));
        if (!id.success) throw new DemoError(400, 'The onboarding id is not valid');
        if (match[2] === 'numbers') {
          answer(res, 200, await addNumber(req, id.data));
          return true;
        }
        if (match[2] === 'messages') {
          answer(res, 200, await sendMessage(req, id.data));
          return true;
        }
        await jsonBody(req);
        if (match[2] === 'cancel') {
          answer(res, 200, await cancel(id.data));
          return true;
        }
        const query = { retry: RETRY, link: REFRESH_LINK, session: SESSION }[match[2]!]!;
        answer(res, 200, await withSession(query, id.data));
        return true;
      }
      answer(res, 404, { error: 'No such demo route' });
      return true;
    } catch (error) {
      if (error instanceof DemoError) {
        answer(res, error.status, { ...error.detail, error: error.message });
        return true;
      }
      if (error instanceof URIError) {
        answer(res, 400, { error: 'The onboarding id is not valid' });
        return true;
      }
      throw error;
    }
  };
}
