import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeUpstreams } from '../../mocks/serve.ts';
import { onboardResponseSchema, signupResultSchema } from '../../src/upstreams/sendzen/contract.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { call, control, eventually, type Loose, sleep, startFake } from './helpers.ts';

let fake: FakeUpstreams;
let receiver: Receiver;

beforeAll(async () => {
  fake = await startFake();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await fake.close();
});
beforeEach(async () => {
  await control(fake, 'POST', '/reset');
  receiver.deliveries.length = 0;
});

const onboard = (body: unknown, key = fake.credentials.sendzenPartnerKey) =>
  call('POST', `${fake.urls.sendzen}/v1/partner/onboard`, { auth: `Bearer ${key}`, body });

describe('SendZen partner onboarding', () => {
  it('refuses a missing or wrong partner key with its own 401 body', async () => {
    const missing = await call('POST', `${fake.urls.sendzen}/v1/partner/onboard`, {
      body: { client_identifier: 'c-1' },
    });
    const wrong = await onboard({ client_identifier: 'c-1' }, 'sz_partner_wrong');
    for (const answer of [missing, wrong]) {
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({
        error: 'Invalid API key',
        message: 'The provided API key is invalid or expired',
      });
    }
  });

  it('refuses a bad body with 400 {error, message} naming the problem', async () => {
    const noId = await onboard({ client_webhook_url: 'https://vendor.example/hook' });
    expect(noId.status).toBe(400);
    expect(noId.body.error).toBe('invalid_request');
    expect(noId.body.message).toMatch(/client_identifier/);

    const badUrl = await onboard({ client_identifier: 'c-1', client_webhook_url: 'not a url' });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.message).toMatch(/client_webhook_url/);

    const notJson = await onboard('{"client_identifier":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.message).toMatch(/JSON/);
  });

  it('refuses a JSON body not declared as application/json with 400 {error, message}', async () => {
    // Bytes, so that fetch adds no Content-Type of its own: the case without one is real.
    const body = new TextEncoder().encode(JSON.stringify({ client_identifier: 'plain-text' }));
    for (const contentType of ['text/plain', 'text/plain;charset=UTF-8', undefined]) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${fake.credentials.sendzenPartnerKey}`,
      };
      if (contentType) headers['content-type'] = contentType;
      const response = await fetch(`${fake.urls.sendzen}/v1/partner/onboard`, {
        method: 'POST',
        headers,
        body,
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'invalid_request',
        message: expect.stringContaining('application/json'),
      });
    }

    const json = await call('POST', `${fake.urls.sendzen}/v1/partner/onboard`, {
      auth: `Bearer ${fake.credentials.sendzenPartnerKey}`,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: { client_identifier: 'plain-text' },
    });
    expect(json.status).toBe(200);
    expect(onboardResponseSchema.parse(json.body).user_data.client_identifier).toBe('plain-text');
  });

  it('checks the partner key before the Content-Type', async () => {
    const answer = await call('POST', `${fake.urls.sendzen}/v1/partner/onboard`, {
      auth: 'Bearer sz_partner_wrong',
      headers: { 'content-type': 'text/plain' },
      body: { client_identifier: 'c-1' },
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({
      error: 'Invalid API key',
      message: 'The provided API key is invalid or expired',
    });
    // SendZen's brief shows no challenge; the fake sends none.
    expect(answer.headers.get('www-authenticate')).toBeNull();
  });

  it('creates the customer project with an iframe link and the webhook status', async () => {
    const answer = await onboard({
      client_identifier: 'customer-12345',
      client_webhook_url: `${receiver.url}/webhooks/sendzen`,
    });
    expect(answer.status).toBe(200);
    const body = onboardResponseSchema.parse(answer.body);
    expect(body.user_data.client_identifier).toBe('customer-12345');
    expect(body.user_data.project_id).toMatch(/^proj_[0-9a-f]{12}$/);
    expect(body.user_data.api_key).toMatch(/^sk_live_[A-Za-z0-9]{24}$/);
    // Served from an origin of its own, as app.sendzen.io is not api.sendzen.io.
    expect(new URL(fake.urls.sendzenIframe).origin).not.toBe(new URL(fake.url).origin);
    expect(body.iframe_url).toMatch(
      new RegExp(`^${fake.urls.sendzenIframe}/sendzen/onboard/iframe\\?token=[A-Za-z0-9]+$`),
    );
    // Its own port serves the iframe's page, and nothing of the APIs.
    expect((await call('GET', body.iframe_url)).status).toBe(200);
    expect((await call('GET', `${fake.urls.sendzenIframe}/_sandbox`)).status).toBe(404);
    expect(body.webhook).toEqual({
      url: `${receiver.url}/webhooks/sendzen`,
      valid: true,
      detail: 'Webhook URL is valid and configured',
    });
  });

  it('creates one project when the same customer is onboarded several times at once', async () => {
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => onboard({ client_identifier: 'double-click' })),
    );
    expect(new Set(answers.map((a) => a.body.user_data.project_id)).size).toBe(1);
    expect((await control(fake, 'GET', '/state')).body.counts.sendzenProjects).toBe(1);
  });

  it('says so when no webhook URL was given', async () => {
    const answer = await onboard({ client_identifier: 'no-hook' });
    expect(answer.body.webhook).toEqual({
      url: null,
      valid: false,
      detail: 'No webhook URL was provided',
    });
  });

  it('is idempotent per client_identifier: same project and key, a fresh link each time', async () => {
    const first = onboardResponseSchema.parse((await onboard({ client_identifier: 'again' })).body);
    const second = onboardResponseSchema.parse(
      (await onboard({ client_identifier: 'again' })).body,
    );
    expect(second.user_data).toEqual(first.user_data);
    expect(second.iframe_url).not.toBe(first.iframe_url);
    expect((await call('GET', first.iframe_url)).status).toBe(200);
    expect((await call('GET', second.iframe_url)).status).toBe(200);

    const other = onboardResponseSchema.parse((await onboard({ client_identifier: 'other' })).body);
    expect(other.user_data.project_id).not.toBe(first.user_data.project_id);
    const state = await control(fake, 'GET', '/state');
    expect(state.body.counts.sendzenProjects).toBe(2);
  });
});

describe('the fake SendZen iframe', () => {
  it('serves a self-contained page with the customer and both buttons', async () => {
    const { iframe_url } = (await onboard({ client_identifier: '<b>Ann & Co</b>' })).body;
    const page = await call('GET', iframe_url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('&lt;b&gt;Ann &amp; Co&lt;/b&gt;');
    expect(page.text).not.toContain('<b>Ann');
    expect(page.text).toContain('id="complete"');
    expect(page.text).toContain('id="cancel"');
    expect(page.text).toContain('window.parent.postMessage');
    expect(page.text).not.toMatch(/(src|href)="https?:/);
  });

  /** Loads the iframe page's own script in just enough of a browser for it to run. */
  async function openPage(clientIdentifier: string) {
    const { iframe_url, user_data } = (await onboard({ client_identifier: clientIdentifier })).body;
    const page = (await call('GET', iframe_url)).text;
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)?.[1];
    expect(script).toBeDefined();

    const clicks: Record<string, () => void> = {};
    const button = (id: string) => ({
      id,
      disabled: false,
      dataset: { action: id },
      addEventListener: (_event: string, listener: () => void) => {
        clicks[id] = listener;
      },
    });
    const buttons = ['complete', 'cancel', 'error', 'slow', 'close'].map(button);
    const status = { textContent: '', dataset: {} as Record<string, string> };
    const progress = { hidden: true };
    const posted: { message: Loose; targetOrigin: string }[] = [];
    const window = {
      closed: false,
      close: () => {
        window.closed = true;
      },
      parent: {
        postMessage: (message: unknown, targetOrigin: string) =>
          posted.push({ message, targetOrigin }),
      },
    };
    runInNewContext(script!, {
      document: {
        getElementById: (id: string) =>
          id === 'status'
            ? status
            : id === 'progress'
              ? progress
              : buttons.find((b) => b.id === id),
        querySelectorAll: () => buttons,
      },
      window,
      fetch: (path: string, init: RequestInit) => fetch(new URL(path, fake.url), init),
      JSON,
      Array,
      Error,
    });
    return { page, user_data, clicks, buttons, status, posted, window };
  }

  it('has working buttons: a click records the signup and posts it to the embedding page', async () => {
    const { page, user_data, clicks, buttons, status, posted } = await openPage('browser');
    for (const label of [
      'Complete signup',
      'Cancel',
      'Fail midway',
      'Complete slowly',
      'Close window',
    ]) {
      expect(page).toContain(label);
    }

    clicks.complete!();
    expect(buttons.every((b) => b.disabled)).toBe(true);
    const [post] = await eventually(() => (posted.length > 0 ? posted : undefined));
    expect(post!.targetOrigin).toBe('*');
    expect(signupResultSchema.parse(post!.message)).toMatchObject({
      status: 'completed',
      project_id: user_data.project_id,
      client_identifier: 'browser',
    });
    expect(status.textContent).toMatch(/^Signup completed: WABA \d{15}, phone number \d{15}\.$/);
    const state = (await control(fake, 'GET', '/state')).body;
    expect(state.records.sendzenProjects[0].lastSignup).toEqual(post!.message);
  });

  it('fails midway with an error message, and closes without posting anything', async () => {
    const failing = await openPage('browser-error');
    failing.clicks.error!();
    const [post] = await eventually(() => (failing.posted.length > 0 ? failing.posted : undefined));
    expect(post!.message).toMatchObject({ status: 'failed', client_identifier: 'browser-error' });
    expect(post!.message.message).toMatch(/Embedded Signup failed/);

    const closing = await openPage('browser-close');
    closing.clicks.close!();
    await eventually(() => (closing.window.closed ? true : undefined));
    expect(closing.posted).toEqual([]);
    expect(closing.status.dataset.outcome).toBe('closed');
    const state = (await control(fake, 'GET', '/state')).body;
    const project = state.records.sendzenProjects.find(
      (p: Loose) => p.clientIdentifier === 'browser-close',
    );
    expect(project.lastSignup).toBeNull();
  });

  it('answers 404 for an unknown link and 410 for an expired one', async () => {
    expect((await call('GET', `${fake.urls.sendzen}/onboard/iframe?token=nope`)).status).toBe(404);

    await control(fake, 'PATCH', '/config', { iframeTtlMs: 30 });
    try {
      const { iframe_url } = (await onboard({ client_identifier: 'slow' })).body;
      await sleep(60);
      const expired = await call('GET', iframe_url);
      expect(expired.status).toBe(410);
      expect(expired.text).toMatch(/expired/i);
    } finally {
      await control(fake, 'PATCH', '/config', { iframeTtlMs: 3_600_000 });
    }
  });

  it('records what the buttons post and delivers it to the webhook', async () => {
    const { iframe_url, user_data } = (
      await onboard({ client_identifier: 'clicker', client_webhook_url: `${receiver.url}/sz` })
    ).body;
    const token = new URL(iframe_url).searchParams.get('token');
    const click = await call('POST', `${fake.urls.sendzen}/onboard/iframe/result`, {
      body: { token, outcome: 'cancelled' },
    });
    expect(click.status).toBe(200);
    expect(signupResultSchema.parse(click.body.result)).toEqual({
      status: 'failed',
      project_id: user_data.project_id,
      client_identifier: 'clicker',
      message: 'User cancelled the authentication process.',
    });
    const delivered = await eventually(() => receiver.deliveries[0]);
    expect(delivered.json).toEqual(click.body.result);
  });
});

describe('the signup control', () => {
  it('completes a signup without a browser and posts the result to the webhook', async () => {
    const { user_data } = (
      await onboard({ client_identifier: 'cust-1', client_webhook_url: `${receiver.url}/sz` })
    ).body;
    const answer = await control(fake, 'POST', '/sendzen/signups', {
      clientIdentifier: 'cust-1',
      status: 'completed',
    });
    expect(answer.status).toBe(200);
    const result = signupResultSchema.parse(answer.body.result);
    expect(result).toMatchObject({ status: 'completed', project_id: user_data.project_id });
    if (result.status !== 'completed') throw new Error('expected a completed signup');
    expect(result.waba_id).toMatch(/^[1-9]\d{14}$/);
    expect(result.phone_number_id).toMatch(/^[1-9]\d{14}$/);

    const delivered = await eventually(() => receiver.deliveries[0]);
    expect(delivered.path).toBe('/sz');
    expect(delivered.headers['content-type']).toBe('application/json');
    expect(delivered.json).toEqual(result);
    expect(delivered.headers['x-sinch-webhook-signature']).toBeUndefined();
  });

  it('uses the ids it is given and retries a webhook answered with 500', async () => {
    await onboard({ client_identifier: 'cust-2', client_webhook_url: `${receiver.url}/sz` });
    receiver.respondWith(500);
    await control(fake, 'POST', '/sendzen/signups', {
      clientIdentifier: 'cust-2',
      status: 'completed',
      wabaId: '524126980791429',
      phoneNumberId: '106540352242922',
    });
    await eventually(() => receiver.deliveries[1]);
    expect(receiver.deliveries.map((d) => (d.json as Loose).waba_id)).toEqual([
      '524126980791429',
      '524126980791429',
    ]);
    const outbound = (await control(fake, 'GET', '/journal?upstream=sendzen')).body.entries.filter(
      (e: { direction: string }) => e.direction === 'outbound',
    );
    expect(outbound).toMatchObject([
      { kind: 'sendzen_signup_webhook', target: `${receiver.url}/sz`, attempt: 1, status: 500 },
      { kind: 'sendzen_signup_webhook', target: `${receiver.url}/sz`, attempt: 2, status: 200 },
    ]);
  });

  it('gives up after the configured retries and journals each failed attempt', async () => {
    await onboard({ client_identifier: 'down', client_webhook_url: `${receiver.url}/down` });
    receiver.respondWith(503, 503, 503, 503);
    await control(fake, 'POST', '/sendzen/signups', { clientIdentifier: 'down', status: 'failed' });
    await eventually(() => receiver.deliveries[2]);
    await sleep(100);
    expect(receiver.deliveries).toHaveLength(3);
    expect((receiver.deliveries[0]!.json as Loose).message).toBe(
      'User cancelled the authentication process.',
    );
  });

  it('answers 404 for a customer SendZen never onboarded, 400 for a bad body', async () => {
    const unknown = await control(fake, 'POST', '/sendzen/signups', {
      clientIdentifier: 'ghost',
      status: 'completed',
    });
    expect(unknown.status).toBe(404);
    const bad = await control(fake, 'POST', '/sendzen/signups', {
      clientIdentifier: 'ghost',
      status: 'done',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: 'invalid_request',
      message: expect.stringMatching(/status/),
    });
  });
});
