import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeUpstreams } from '../../mocks/serve.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import {
  call,
  control,
  eventually,
  type Loose,
  sandboxBasic,
  sinchToken,
  startFake,
} from './helpers.ts';

let fake: FakeUpstreams;
let receiver: Receiver;

beforeAll(async () => {
  fake = await startFake({ senderActivationMs: 0 });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await fake.close();
});
beforeEach(async () => {
  await control(fake, 'POST', '/reset');
});

describe('the request journal', () => {
  it('records inbound calls and outbound deliveries in order', async () => {
    await call('POST', `${fake.urls.sendzen}/v1/partner/onboard`, {
      auth: `Bearer ${fake.credentials.sendzenPartnerKey}`,
      body: { client_identifier: 'j-1', client_webhook_url: `${receiver.url}/sz` },
    });
    await call(
      'GET',
      `${fake.urls.conversation.br}/v1/projects/${fake.credentials.sinchProjectId}/apps?x=1&x=2`,
      { auth: sandboxBasic(fake) },
    );
    await control(fake, 'POST', '/sendzen/signups', {
      clientIdentifier: 'j-1',
      status: 'completed',
    });
    await eventually(() => receiver.deliveries[0]);

    const entries = (await control(fake, 'GET', '/journal')).body.entries;
    expect(entries.map((e: Loose) => e.seq)).toEqual([1, 2, 3]);
    expect(entries[0]).toMatchObject({
      direction: 'inbound',
      upstream: 'sendzen',
      method: 'POST',
      path: '/v1/partner/onboard',
      status: 200,
      requestBody: { client_identifier: 'j-1' },
    });
    expect(entries[0].durationMs).toEqual(expect.any(Number));
    expect(Date.parse(entries[0].at)).not.toBeNaN();
    expect(entries[1]).toMatchObject({
      upstream: 'conversation',
      region: 'br',
      path: `/v1/projects/${fake.credentials.sinchProjectId}/apps`,
      query: { x: ['1', '2'] },
      status: 200,
    });
    expect(entries[2]).toEqual({
      seq: 3,
      at: expect.any(String),
      direction: 'outbound',
      upstream: 'sendzen',
      kind: 'sendzen_signup_webhook',
      target: `${receiver.url}/sz`,
      attempt: 1,
      status: 200,
      durationMs: expect.any(Number),
    });

    const onlyConversation = (await control(fake, 'GET', '/journal?upstream=conversation')).body;
    expect(onlyConversation.entries).toHaveLength(1);
    expect((await control(fake, 'GET', '/journal?upstream=meta')).status).toBe(400);
    expect((await control(fake, 'DELETE', '/journal')).status).toBe(204);
    expect((await control(fake, 'GET', '/journal')).body.entries).toEqual([]);
  });

  it('never shows a credential, in the journal or in the state dump', async () => {
    const sendzen = await call('POST', `${fake.urls.sendzen}/v1/partner/onboard`, {
      auth: `Bearer ${fake.credentials.sendzenPartnerKey}`,
      body: { client_identifier: 'secretive', client_webhook_url: `${receiver.url}/sz` },
    });
    const iframeToken = new URL(sendzen.body.iframe_url).searchParams.get('token')!;
    await call('GET', sendzen.body.iframe_url);
    await call('POST', `${fake.urls.sendzen}/onboard/iframe/result`, {
      body: { token: iframeToken, outcome: 'completed' },
    });
    const accessToken = await sinchToken(fake);
    const bearer = `Bearer ${accessToken}`;
    const project = fake.credentials.sinchProjectId;
    const provisioning = `${fake.urls.provisioning}/v1/projects/${project}`;
    await call('POST', `${provisioning}/webhooks`, {
      auth: bearer,
      body: { target: `${receiver.url}/papi`, secret: 'papi-webhook-secret', triggers: ['ALL'] },
    });
    const metaCode = (
      await control(fake, 'POST', '/meta/codes', { wabaId: '1', phoneNumberId: '2' })
    ).body.code;
    const created = await call('POST', `${provisioning}/whatsapp/senders`, {
      auth: sandboxBasic(fake),
      body: { wabaId: '1', phoneNumberId: '2', authenticationCode: metaCode },
    });
    const sender = await eventually(async () => {
      const read = (
        await call('GET', `${provisioning}/whatsapp/senders/${created.body.id}`, { auth: bearer })
      ).body;
      return read.bearerToken ? read : undefined;
    });
    const conversation = `${fake.urls.conversation.us}/v1/projects/${project}`;
    const app = await call('POST', `${conversation}/apps`, {
      auth: bearer,
      body: {
        display_name: 'App',
        channel_credentials: [
          {
            channel: 'WHATSAPP',
            static_bearer: { claimed_identity: sender.id, token: sender.bearerToken },
            callback_secret: 'whatsapp-callback-secret',
          },
        ],
      },
    });
    await call('POST', `${conversation}/webhooks`, {
      auth: bearer,
      body: {
        app_id: app.body.id,
        target: 'https://vendor.example/conv',
        triggers: ['MESSAGE_INBOUND'],
        secret: 'conversation-webhook-secret',
        client_credentials: {
          client_id: 'cid',
          client_secret: 'oauth-client-secret',
          endpoint: 'https://x',
        },
      },
    });
    // A key sent where it does not belong must be scrubbed too.
    await call('POST', `${fake.urls.sendzen}/v1/partner/onboard`, {
      auth: `Bearer ${fake.credentials.sendzenPartnerKey}`,
      body: { client_identifier: 'x', note: fake.credentials.sinchKeySecret },
    });
    await eventually(() => receiver.deliveries.find((d) => d.path === '/papi'));

    const credentials = [
      fake.credentials.sendzenPartnerKey,
      fake.credentials.sinchKeySecret,
      Buffer.from(`${fake.credentials.sinchKeyId}:${fake.credentials.sinchKeySecret}`).toString(
        'base64',
      ),
      sendzen.body.user_data.api_key,
      iframeToken,
      accessToken,
      'papi-webhook-secret',
      metaCode,
      sender.bearerToken,
      'whatsapp-callback-secret',
      'conversation-webhook-secret',
      'oauth-client-secret',
    ];
    const journal = (await control(fake, 'GET', '/journal')).text;
    const state = (await control(fake, 'GET', '/state')).text;
    expect(journal).toContain('[REDACTED]');
    for (const secret of credentials) {
      expect(journal).not.toContain(secret);
      expect(state).not.toContain(secret);
    }
    expect(JSON.parse(journal).entries.length).toBeGreaterThan(8);
  });

  it("delivers to a SendZen webhook URL's full path, but shows only its origin", async () => {
    const path =
      '/webhooks/sendzen/01J0000000000000000000000/path-token-0123456789abcdef?k=query-token';
    await call('POST', `${fake.urls.sendzen}/v1/partner/onboard`, {
      auth: `Bearer ${fake.credentials.sendzenPartnerKey}`,
      body: { client_identifier: 'hooked', client_webhook_url: `${receiver.url}${path}` },
    });
    await control(fake, 'POST', '/sendzen/signups', {
      clientIdentifier: 'hooked',
      status: 'completed',
    });
    await eventually(() => receiver.deliveries.find((d) => d.path === path));

    const journal = (await control(fake, 'GET', '/journal')).body.entries;
    expect(journal.find((e: Loose) => e.kind === 'sendzen_signup_webhook')).toMatchObject({
      target: `${receiver.url}/[REDACTED]`,
      status: 200,
    });
    const shown = JSON.stringify(journal) + (await control(fake, 'GET', '/state')).text;
    for (const secret of ['path-token-0123456789abcdef', 'query-token']) {
      expect(shown).not.toContain(secret);
    }
  });
});
