// The demo backend's routes against a stand-in gateway that records what it is sent: the API key
// goes to the gateway and nowhere else, bad input is refused before it leaves, and the feed's
// upstream subscription ends when the browser goes away.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoRoutes } from '../../src/demo/routes.ts';

const API_KEY = 'gwk_01TESTTESTTESTTESTTESTTEST_demo-routes-test-key-0000000000000000000';
const SENDZEN = 'http://127.0.0.1:4999';

interface Call {
  authorization: string | undefined;
  accept: string | undefined;
  query: string;
  variables: Record<string, unknown>;
}

const calls: Call[] = [];
let subscriptionClosed: Promise<void> = Promise.resolve();
let pushUpdate: (summary: unknown) => void = () => {};
/** What the stand-in answers to the next mutation. */
let nextData: unknown;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }),
  );
}

async function readJson(req: IncomingMessage): Promise<{ query: string; variables?: object }> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return JSON.parse(text);
}

const fakeGateway = createServer(async (req: IncomingMessage, res: ServerResponse) => {
  const body = await readJson(req);
  calls.push({
    authorization: req.headers.authorization,
    accept: req.headers.accept,
    query: body.query,
    variables: (body.variables ?? {}) as Record<string, unknown>,
  });
  if (req.headers.accept === 'text/event-stream') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(':\n\n');
    pushUpdate = (summary) =>
      res.write(
        `event: next\ndata: ${JSON.stringify({ data: { onboardingsUpdated: summary } })}\n\n`,
      );
    subscriptionClosed = new Promise((resolve) => res.once('close', () => resolve()));
    return;
  }
  const data = body.query.includes('DemoList')
    ? { onboardings: { edges: [{ node: { id: 'A', version: 3, status: 'READY' } }] } }
    : nextData;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ data }));
});

let demo: Server;
let gatewayUrl: string;
let demoUrl: string;

beforeAll(async () => {
  gatewayUrl = await listen(fakeGateway);
  const routes = createDemoRoutes({ gatewayUrl, apiKey: API_KEY, sendzenOrigin: SENDZEN });
  demo = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://demo').pathname;
    if (!(await routes(req, res, path))) {
      res.writeHead(404);
      res.end();
    }
  });
  demoUrl = await listen(demo);
});

afterAll(async () => {
  demo.closeAllConnections();
  fakeGateway.closeAllConnections();
  await new Promise((r) => demo.close(r));
  await new Promise((r) => fakeGateway.close(r));
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${demoUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('the demo backend', () => {
  it('starts an onboarding with the API key and answers with the iframe URL and a session token only', async () => {
    nextData = {
      onboardCustomer: {
        created: true,
        sessionToken: 'gws_token',
        sessionExpiresAt: '2030-01-01T01:00:00.000Z',
        onboarding: {
          id: 'T25ib2FyZGluZzox',
          status: 'AWAITING_SIGNUP',
          version: 3,
          iframeUrl: `${SENDZEN}/sendzen/onboard/iframe?token=x`,
          iframeUrlExpiresAt: '2030-01-01T01:00:00.000Z',
        },
      },
    };
    calls.length = 0;
    const res = await post('/demo/api/onboardings', {
      clientIdentifier: ' acme ',
      displayName: '',
      region: 'EU',
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('gwk_');
    expect(JSON.parse(text)).toMatchObject({
      onboardingId: 'T25ib2FyZGluZzox',
      iframeUrl: `${SENDZEN}/sendzen/onboard/iframe?token=x`,
      sessionToken: 'gws_token',
      sessionExpiresAt: '2030-01-01T01:00:00.000Z',
      created: true,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.authorization).toBe(`Bearer ${API_KEY}`);
    expect(calls[0]!.query).toContain('onboardCustomer');
    expect(calls[0]!.variables).toEqual({ input: { clientIdentifier: 'acme', region: 'EU' } });

    // A scenario of the bundled fake travels as the sandbox-scenario label.
    calls.length = 0;
    await post('/demo/api/onboardings', { clientIdentifier: 'acme', scenario: 'rejected' });
    expect(calls[0]!.variables).toEqual({
      input: {
        clientIdentifier: 'acme',
        region: 'US',
        labels: [{ key: 'sandbox-scenario', value: 'rejected' }],
      },
    });
  });

  it('passes a chosen sandbox scenario on as the `sandbox-scenario` label, and serves the choices', async () => {
    calls.length = 0;
    const res = await post('/demo/api/onboardings', {
      clientIdentifier: 'acme',
      region: 'US',
      scenario: ' sender-error ',
    });
    expect(res.status).toBe(200);
    expect(calls[0]!.variables).toEqual({
      input: {
        clientIdentifier: 'acme',
        region: 'US',
        labels: [{ key: 'sandbox-scenario', value: 'sender-error' }],
      },
    });
    calls.length = 0;
    await post('/demo/api/onboardings', { clientIdentifier: 'acme', scenario: '' });
    expect(calls[0]!.variables).toEqual({ input: { clientIdentifier: 'acme', region: 'US' } });

    const config = await (await fetch(`${demoUrl}/demo/api/config`)).json();
    expect(config.scenarios).toEqual([{ value: '', label: 'Happy path' }]);
  });

  it('cancels with the API key and answers the new status, with no session', async () => {
    nextData = {
      result: {
        __typename: 'CancelOnboardingSuccess',
        onboarding: {
          id: 'T25ib2FyZGluZzox',
          status: 'CANCELLED',
          version: 12,
          iframeUrl: null,
          iframeUrlExpiresAt: null,
          cancelledAt: '2030-01-01T00:30:00.000Z',
        },
      },
    };
    calls.length = 0;
    const res = await post('/demo/api/onboardings/T25ib2FyZGluZzox/cancel', {});
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      onboardingId: 'T25ib2FyZGluZzox',
      status: 'CANCELLED',
      version: 12,
      cancelledAt: '2030-01-01T00:30:00.000Z',
    });
    expect(body).not.toHaveProperty('sessionToken');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.authorization).toBe(`Bearer ${API_KEY}`);
    expect(calls[0]!.query).toContain('cancelOnboarding');
    expect(calls[0]!.query).not.toContain('issueOnboardingSession');
    expect(calls[0]!.variables).toEqual({ id: 'T25ib2FyZGluZzox' });

    nextData = { result: { __typename: 'PreconditionFailed', message: 'It is READY already' } };
    const refused = await post('/demo/api/onboardings/T25ib2FyZGluZzox/cancel', {});
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({ error: 'It is READY already' });
    const elsewhere = await post(
      '/demo/api/onboardings/T25ib2FyZGluZzox/cancel',
      {},
      { origin: 'https://evil.example' },
    );
    expect(elsewhere.status).toBe(403);
  });

  it('refuses bad input, a body that is not JSON, and other origins before calling the gateway', async () => {
    calls.length = 0;
    const missing = await post('/demo/api/onboardings', { displayName: 'x' });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toMatch(/clientIdentifier/);
    const region = await post('/demo/api/onboardings', { clientIdentifier: 'a', region: 'MARS' });
    expect(region.status).toBe(400);
    expect((await region.json()).error).toMatch(/region/);
    const broken = await post('/demo/api/onboardings', '{');
    expect(broken.status).toBe(400);
    const plain = await post('/demo/api/onboardings', 'clientIdentifier=a', {
      'content-type': 'text/plain',
    });
    expect(plain.status).toBe(415);
    const elsewhere = await post(
      '/demo/api/onboardings',
      { clientIdentifier: 'a' },
      { origin: 'https://evil.example' },
    );
    expect(elsewhere.status).toBe(403);
    const badId = await post('/demo/api/onboardings/%3Cscript%3E/retry', {});
    expect(badId.status).toBe(400);
    expect(calls).toHaveLength(0);
  });

  it('answers a refused retry with the gateway’s message, and a successful one with a fresh token', async () => {
    nextData = {
      result: { __typename: 'PreconditionFailed', message: 'The onboarding was cancelled' },
      session: { __typename: 'PreconditionFailed', message: 'The onboarding was cancelled' },
    };
    const refused = await post('/demo/api/onboardings/T25ib2FyZGluZzox/retry', {});
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({ error: 'The onboarding was cancelled' });

    const onboarding = {
      id: 'T25ib2FyZGluZzox',
      status: 'AWAITING_SIGNUP',
      version: 9,
      iframeUrl: `${SENDZEN}/new`,
      iframeUrlExpiresAt: '2030-01-01T02:00:00.000Z',
    };
    nextData = {
      result: { __typename: 'RefreshOnboardingLinkSuccess', onboarding },
      session: {
        __typename: 'IssueOnboardingSessionSuccess',
        session: { token: 'gws_new', expiresAt: '2030-01-01T02:00:00.000Z', onboarding },
      },
    };
    calls.length = 0;
    const link = await post('/demo/api/onboardings/T25ib2FyZGluZzox/link', {});
    expect(link.status).toBe(200);
    expect(await link.json()).toMatchObject({
      iframeUrl: `${SENDZEN}/new`,
      sessionToken: 'gws_new',
    });
    expect(calls[0]!.query).toContain('refreshOnboardingLink');
    expect(calls[0]!.query).toContain('issueOnboardingSession');
    expect(calls[0]!.variables).toEqual({ id: 'T25ib2FyZGluZzox' });
  });

  it('starts on Meta’s path when asked, and hands the page the gateway’s metaSignupLaunch', async () => {
    const metaSignupLaunch = {
      sdkUrl: 'http://127.0.0.1:4998/sdk.js',
      appId: '100000000000001',
      configId: '200000000000002',
      solutionId: null,
      graphApiVersion: 'v24.0',
      messageOrigins: ['http://127.0.0.1:4998'],
    };
    nextData = {
      onboardCustomer: {
        created: true,
        sessionToken: 'gws_meta',
        sessionExpiresAt: '2030-01-01T01:00:00.000Z',
        onboarding: {
          id: 'T25ib2FyZGluZzoy',
          status: 'AWAITING_SIGNUP',
          version: 2,
          signupPath: 'META_EMBEDDED_SIGNUP',
          iframeUrl: null,
          iframeUrlExpiresAt: null,
          metaSignupLaunch,
        },
      },
    };
    calls.length = 0;
    const res = await post('/demo/api/onboardings', {
      clientIdentifier: 'meta-shop',
      signupPath: 'META_EMBEDDED_SIGNUP',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      signupPath: 'META_EMBEDDED_SIGNUP',
      iframeUrl: null,
      metaSignupLaunch,
      sessionToken: 'gws_meta',
    });
    expect(calls[0]!.variables).toEqual({
      input: { clientIdentifier: 'meta-shop', region: 'US', signupPath: 'META_EMBEDDED_SIGNUP' },
    });
    expect(calls[0]!.query).toContain('metaSignupLaunch');

    // The browser names a path, never a Meta app: anything else is refused before the gateway.
    calls.length = 0;
    const other = await post('/demo/api/onboardings', {
      clientIdentifier: 'meta-shop',
      signupPath: 'META_APP_100',
    });
    expect(other.status).toBe(400);
    expect((await other.json()).error).toMatch(/signupPath/);
    expect(calls).toHaveLength(0);
    // Without a Meta SDK configured, the page is told not to offer the path.
    const config = await (await fetch(`${demoUrl}/demo/api/config`)).json();
    expect(config.metaSignup).toBe(false);
  });

  it('adds a phone number with the API key; refuses bad input first, and answers Sinch’s refusal with its code', async () => {
    calls.length = 0;
    for (const body of [{}, { phoneNumberId: '+44 20 7946 0000' }, { phoneNumberId: '' }]) {
      const bad = await post('/demo/api/onboardings/T25ib2FyZGluZzox/numbers', body);
      expect(bad.status).toBe(400);
      expect((await bad.json()).error).toMatch(/^phoneNumberId: /);
    }
    const badId = await post('/demo/api/onboardings/%3Cx%3E/numbers', { phoneNumberId: '1' });
    expect(badId.status).toBe(400);
    const elsewhere = await post(
      '/demo/api/onboardings/T25ib2FyZGluZzox/numbers',
      { phoneNumberId: '106540352242922' },
      { origin: 'https://evil.example' },
    );
    expect(elsewhere.status).toBe(403);
    expect(calls).toHaveLength(0);

    nextData = {
      result: {
        __typename: 'PhoneNumberUnavailable',
        message: 'Sinch refused phone number 106540352242922: already used',
        code: 'used_phone_number_id',
        phoneNumberId: '106540352242922',
      },
    };
    const refused = await post('/demo/api/onboardings/T25ib2FyZGluZzox/numbers', {
      phoneNumberId: ' 106540352242922 ',
    });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({
      error: 'Sinch refused phone number 106540352242922: already used',
      code: 'used_phone_number_id',
      phoneNumberId: '106540352242922',
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.authorization).toBe(`Bearer ${API_KEY}`);
    expect(calls[0]!.query).toContain('addPhoneNumber');
    expect(calls[0]!.variables).toEqual({
      id: 'T25ib2FyZGluZzox',
      phoneNumberId: '106540352242922',
    });

    nextData = {
      result: { __typename: 'PreconditionFailed', message: 'The customer has no WABA yet' },
    };
    const early = await post('/demo/api/onboardings/T25ib2FyZGluZzox/numbers', {
      phoneNumberId: '106540352242923',
    });
    expect(early.status).toBe(409);
    expect(await early.json()).toEqual({ error: 'The customer has no WABA yet' });

    nextData = {
      result: {
        __typename: 'AddPhoneNumberSuccess',
        onboarding: { id: 'T25ib2FyZGluZzox', status: 'PROVISIONING', version: 21 },
      },
    };
    const added = await post('/demo/api/onboardings/T25ib2FyZGluZzox/numbers', {
      phoneNumberId: '106540352242924',
    });
    expect(added.status).toBe(200);
    const body = await added.json();
    expect(body).toMatchObject({
      onboardingId: 'T25ib2FyZGluZzox',
      status: 'PROVISIONING',
      version: 21,
      phoneNumberId: '106540352242924',
    });
    expect(body).not.toHaveProperty('sessionToken');
  });

  it('sends a test message with the API key; refuses bad input before the gateway, and answers its refusals in words', async () => {
    const path = '/demo/api/onboardings/T25ib2FyZGluZzox/messages';
    calls.length = 0;
    for (const [body, field] of [
      [{ text: 'Hi' }, 'to'],
      [{ to: 'not a number', text: 'Hi' }, 'to'],
      [{ to: '+4670', text: 'Hi' }, 'to'],
      [{ to: '+46701234567', text: '' }, 'text'],
      [{ to: '+46701234567', text: 'x'.repeat(1025) }, 'text'],
      [{ to: '+46701234567', text: 'line\u0007bell' }, 'text'],
    ] as const) {
      const bad = await post(path, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect((await bad.json()).error).toMatch(new RegExp(`^${field}: `));
    }
    const notJson = await post(path, '{', {});
    expect(notJson.status).toBe(400);
    const elsewhere = await post(
      path,
      { to: '+46701234567', text: 'Hi' },
      { origin: 'https://evil.example' },
    );
    expect(elsewhere.status).toBe(403);
    expect(calls).toHaveLength(0);

    const message = {
      id: '01MSG',
      to: '+46701234567',
      text: 'Hello from Acme',
      status: 'SENT',
      sentAt: '2030-01-01T00:00:00.000Z',
      deliveredAt: null,
      failure: null,
      reply: null,
    };
    nextData = {
      result: {
        __typename: 'SendTestMessageSuccess',
        onboarding: {
          id: 'T25ib2FyZGluZzox',
          status: 'READY',
          version: 30,
          testMessages: [message],
        },
      },
    };
    const sent = await post(path, { to: ' +46701234567 ', text: 'Hello from Acme' });
    expect(sent.status).toBe(200);
    const text = await sent.text();
    expect(text).not.toContain('gwk_');
    expect(JSON.parse(text)).toMatchObject({
      onboardingId: 'T25ib2FyZGluZzox',
      status: 'READY',
      version: 30,
      message,
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.authorization).toBe(`Bearer ${API_KEY}`);
    expect(calls[0]!.query).toContain('sendTestMessage');
    expect(calls[0]!.variables).toEqual({
      id: 'T25ib2FyZGluZzox',
      to: '+46701234567',
      text: 'Hello from Acme',
    });

    nextData = {
      result: {
        __typename: 'PreconditionFailed',
        message: 'The WhatsApp sender is SUSPENDED, not ACTIVE: no message can be sent through it',
        step: 'WHATSAPP_SENDER',
      },
    };
    const refused = await post(path, { to: '+46701234567', text: 'Hi' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({
      error: 'The WhatsApp sender is SUSPENDED, not ACTIVE: no message can be sent through it',
      refusal: 'PreconditionFailed',
      step: 'WHATSAPP_SENDER',
    });

    nextData = {
      result: {
        __typename: 'UpstreamFailure',
        message: 'Sinch answered 503',
        upstream: 'sinch-conversation',
        code: 'UNAVAILABLE',
        retryable: true,
      },
    };
    const failed = await post(path, { to: '+46701234567', text: 'Hi' });
    expect(failed.status).toBe(502);
    expect(await failed.json()).toMatchObject({
      error: 'Sinch answered 503',
      refusal: 'UpstreamFailure',
      retryable: true,
    });

    nextData = { result: { __typename: 'OnboardingNotFound', message: 'No such onboarding' } };
    const missing = await post(path, { to: '+46701234567', text: 'Hi' });
    expect(missing.status).toBe(404);
    expect(calls).toHaveLength(4);
  });

  it('streams the feed, and ends its upstream subscription when the browser goes away', async () => {
    calls.length = 0;
    const browser = new AbortController();
    const res = await fetch(`${demoUrl}/demo/api/feed`, { signal: browser.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (needle: string) => {
      while (!text.includes(needle)) text += (await reader.read()).value ?? '';
    };
    await until('event: snapshot');
    pushUpdate({ id: 'B', version: 1, status: 'AWAITING_SIGNUP' });
    await until('event: onboarding');
    expect(text).toContain('"onboardings":[{"id":"A","version":3,"status":"READY"}]');
    expect(text).toContain('data: {"id":"B","version":1,"status":"AWAITING_SIGNUP"}');
    expect(calls.map((c) => c.authorization)).toEqual([`Bearer ${API_KEY}`, `Bearer ${API_KEY}`]);
    expect(text).not.toContain('gwk_');

    browser.abort();
    await subscriptionClosed;
  });
});
