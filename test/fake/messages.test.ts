// The fake's Conversation API `messages:send` (contracts E.3a) and what follows it: signed
// MESSAGE_DELIVERY callbacks to the app's webhooks, a contact's reply played from the sandbox, and
// the control that holds delivery reports back.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeUpstreams } from '../../mocks/serve.ts';
import {
  rpcErrorBodySchema,
  sendMessageResponseSchema,
  ulidSchema,
} from '../../src/upstreams/sinch/contract.ts';
import { verifyCallback } from '../../src/upstreams/sinch/signature.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { call, control, eventually, type Loose, sinchToken, sleep, startFake } from './helpers.ts';

let fake: FakeUpstreams;
let receiver: Receiver;
let auth: string;
const SECRET = 'app-webhook-signing-secret';

beforeAll(async () => {
  fake = await startFake({ senderActivationMs: 0 });
  receiver = await startReceiver();
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});
beforeEach(async () => {
  await control(fake, 'POST', '/reset');
  await control(fake, 'PATCH', '/config', { deliveryReportDelayMs: 20 });
  await control(fake, 'POST', '/conversation/delivery-reports', { mode: 'normal' });
  receiver.deliveries.length = 0;
  auth = `Bearer ${await sinchToken(fake)}`;
});

let phone = 500000000000000;

/** A subproject with an ACTIVE sender, its app on the EU host, and a signed webhook to the receiver. */
async function appWithWebhook() {
  const project = (
    await call(
      'POST',
      `${fake.urls.subprojects}/v1/projects/${fake.credentials.sinchProjectId}/subprojects`,
      { auth, body: { displayName: 'Messaging customer' } },
    )
  ).body.subprojectId as string;
  const senders = `${fake.urls.provisioning}/v1/projects/${project}/whatsapp/senders`;
  const created = await call('POST', senders, {
    auth,
    body: { wabaId: '524126980791429', phoneNumberId: String(++phone), region: 'EU' },
  });
  const sender: Loose = await eventually(async () => {
    const read = (await call('GET', `${senders}/${created.body.id}`, { auth })).body;
    return read.state === 'ACTIVE' ? read : undefined;
  });
  const base = `${fake.urls.conversation.eu}/v1/projects/${project}`;
  const app = await call('POST', `${base}/apps`, {
    auth,
    body: {
      display_name: 'Customer app',
      channel_credentials: [
        {
          channel: 'WHATSAPP',
          static_bearer: { claimed_identity: sender.id, token: sender.bearerToken },
        },
      ],
    },
  });
  expect(app.status).toBe(200);
  const webhook = await call('POST', `${base}/webhooks`, {
    auth,
    body: {
      app_id: app.body.id,
      target: `${receiver.url}/conversation`,
      triggers: ['MESSAGE_DELIVERY', 'MESSAGE_INBOUND'],
      secret: SECRET,
    },
  });
  expect(webhook.status).toBe(200);
  return { project, appId: app.body.id as string, senderId: sender.id as string, base };
}

const textTo = (appId: string, identity: string, text = 'Hello from the sandbox') => ({
  app_id: appId,
  recipient: { identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity }] } },
  message: { text_message: { text } },
  channel_priority_order: ['WHATSAPP'],
});

async function signedBy(secret: string, delivery: { rawBody: string; headers: Loose }) {
  return verifyCallback({
    secret,
    rawBody: delivery.rawBody,
    headers: delivery.headers,
    isReplay: async () => false,
  });
}

const reportsFor = (messageId: string) =>
  receiver.deliveries.filter(
    (d) => (d.json as Loose)?.message_delivery_report?.message_id === messageId,
  );

describe('messages:send', () => {
  it('answers a message id at once, then QUEUED_ON_CHANNEL and DELIVERED, signed with the webhook secret', async () => {
    const { base, appId, project } = await appWithWebhook();
    const sent = await call('POST', `${base}/messages:send`, {
      auth,
      body: textTo(appId, '46701234567'),
    });
    expect(sent.status).toBe(200);
    const { message_id } = sendMessageResponseSchema.parse(sent.body);
    expect(ulidSchema.safeParse(message_id).success).toBe(true);

    await receiver.waitFor(
      (d) => (d.json as Loose)?.message_delivery_report?.status === 'DELIVERED',
    );
    const reports = reportsFor(message_id);
    expect(reports.map((d) => (d.json as Loose).message_delivery_report.status)).toEqual([
      'QUEUED_ON_CHANNEL',
      'DELIVERED',
    ]);
    for (const report of reports) {
      expect(await signedBy(SECRET, report)).toMatchObject({ ok: true });
      expect(await signedBy('another-secret', report)).toMatchObject({ ok: false });
      expect(report.json).toMatchObject({
        app_id: appId,
        project_id: project,
        message_delivery_report: {
          channel_identity: { channel: 'WHATSAPP', identity: '46701234567', app_id: appId },
        },
      });
    }
  });

  it('refuses a malformed body, a recipient that is not a phone number, and an unknown app in E.4 format', async () => {
    const { base, appId } = await appWithWebhook();
    const cases: [unknown, number, string][] = [
      [{ app_id: appId, message: { text_message: { text: 'x' } } }, 400, 'INVALID_ARGUMENT'],
      [textTo(appId, 'not-a-number'), 400, 'INVALID_ARGUMENT'],
      [
        { ...textTo(appId, '46701234567'), message: { text_message: { text: '' } } },
        400,
        'INVALID_ARGUMENT',
      ],
      [textTo('01ARZ3NDEKTSV4RRFFQ69G5FAV', '46701234567'), 404, 'NOT_FOUND'],
      [textTo('not-a-ulid', '46701234567'), 400, 'INVALID_ARGUMENT'],
    ];
    for (const [body, status, rpcStatus] of cases) {
      const answer = await call('POST', `${base}/messages:send`, { auth, body });
      expect(answer.status).toBe(status);
      expect(rpcErrorBodySchema.parse(answer.body).error.status).toBe(rpcStatus);
    }
    await sleep(100);
    expect(receiver.deliveries).toHaveLength(0);
  });

  it('refuses to send through a sender that is not ACTIVE (403 PERMISSION_DENIED) and reports nothing', async () => {
    const { base, appId, senderId } = await appWithWebhook();
    const forced = await control(fake, 'POST', `/sinch/senders/${senderId}/state`, {
      state: 'SUSPENDED',
    });
    expect(forced.status).toBe(200);
    const answer = await call('POST', `${base}/messages:send`, {
      auth,
      body: textTo(appId, '46701234567'),
    });
    expect(answer.status).toBe(403);
    const { error } = rpcErrorBodySchema.parse(answer.body);
    expect(error.status).toBe('PERMISSION_DENIED');
    expect(error.message).toContain('SUSPENDED');
    await sleep(100);
    expect(receiver.deliveries.filter((d) => d.path === '/conversation')).toHaveLength(0);
  });

  it('holds delivery reports back, or fails them, as the control says', async () => {
    const { base, appId } = await appWithWebhook();
    await control(fake, 'POST', '/conversation/delivery-reports', { mode: 'never' });
    expect((await control(fake, 'GET', '')).body.config.deliveryReports).toBe('never');
    const held = await call('POST', `${base}/messages:send`, {
      auth,
      body: textTo(appId, '46701234567'),
    });
    expect(held.status).toBe(200);
    await sleep(150);
    expect(reportsFor(held.body.message_id)).toHaveLength(0);

    await control(fake, 'POST', '/conversation/delivery-reports', { mode: 'failed' });
    const failed = await call('POST', `${base}/messages:send`, {
      auth,
      body: textTo(appId, '46701234567'),
    });
    const last = await receiver.waitFor(
      (d) =>
        (d.json as Loose)?.message_delivery_report?.message_id === failed.body.message_id &&
        (d.json as Loose).message_delivery_report.status === 'FAILED',
    );
    expect((last.json as Loose).message_delivery_report.reason).toMatchObject({
      code: 'RECIPIENT_NOT_REACHABLE',
    });
    const refused = await control(fake, 'POST', '/conversation/delivery-reports', {
      mode: 'sometimes',
    });
    expect(refused.status).toBe(400);
  });

  it('plays a contact’s reply as a signed MESSAGE_INBOUND callback', async () => {
    const { appId } = await appWithWebhook();
    const played = await control(fake, 'POST', '/conversation/inbound', {
      appId,
      from: '+46701234567',
      text: 'Got it, thanks',
    });
    expect(played.status).toBe(202);
    expect(played.body.webhooks).toBe(1);
    const inbound = await receiver.waitFor((d) => (d.json as Loose)?.message !== undefined);
    expect(await signedBy(SECRET, inbound)).toMatchObject({ ok: true });
    expect(inbound.json).toMatchObject({
      app_id: appId,
      message: {
        id: played.body.messageId,
        direction: 'TO_APP',
        contact_message: { text_message: { text: 'Got it, thanks' } },
        channel_identity: { channel: 'WHATSAPP', identity: '46701234567' },
      },
    });
    const unknown = await control(fake, 'POST', '/conversation/inbound', {
      appId: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
      from: '46701234567',
      text: 'x',
    });
    expect(unknown.status).toBe(404);
  });
});
