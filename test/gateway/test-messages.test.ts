// A first message: sendTestMessage through the customer's own Conversation API app, then Sinch's
// signed callbacks (delivery reports, the contact's reply) on the onboarding, live, over real HTTP
// between the gateway and the fake. And what must be refused: a recipient that is not a phone
// number, an onboarding not READY, a suspended sender, and callbacks that are not Sinch's.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOnboardingSecret } from '../../src/onboarding/secrets.ts';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import { loadSecretKeys } from '../../src/secrets/keys.ts';
import { Sealer } from '../../src/secrets/seal.ts';
import { signCallback } from '../../src/upstreams/sinch/signature.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import {
  OnboardCustomer,
  ReadTestMessages,
  SendTestMessage,
  type TestMessagesView,
  WatchTestMessages,
} from '../support/operations.ts';
import { tableRows } from '../support/rows.ts';
import { until } from '../support/windows.ts';

let t: TestGateway;
let sealer: Sealer;

beforeAll(async () => {
  t = await startTestGateway();
  await t.sandbox.control('PATCH', '/config', { deliveryReportDelayMs: 100 });
  sealer = new Sealer(loadSecretKeys({ databaseFile: join(t.dir, 'gateway.sqlite') }));
});
afterAll(() => t.close());

const TO = '+46701234567';

async function onboard(clientIdentifier: string) {
  const res = await t.gql(OnboardCustomer, { input: { clientIdentifier, region: 'EU' } });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.onboardCustomer.onboarding;
}

async function ready(clientIdentifier: string) {
  const o = await onboard(clientIdentifier);
  await t.waitForOnboarding(o.id, (v) => v.status === 'AWAITING_SIGNUP');
  await t.sandbox.control('POST', '/sendzen/signups', { clientIdentifier, status: 'completed' });
  return t.waitForOnboarding(o.id, (v) => v.status === 'READY');
}

async function read(id: string): Promise<TestMessagesView> {
  const res = await t.gql(ReadTestMessages, { id });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.onboarding!;
}

async function sends(): Promise<number> {
  const entries = await t.sandbox.journal('conversation');
  return entries.filter((e) => e.method === 'POST' && e.path?.endsWith('/messages:send')).length;
}

const eventTypes = (o: TestMessagesView) => o.events.edges.map((e) => e.node.type);

describe('sendTestMessage', () => {
  it('sends through the customer’s app, and the subscriber sees SENT, QUEUED, DELIVERED and the reply live, in order', async () => {
    const o = await ready('first-message');
    const sub = await t.sse(WatchTestMessages, { id: o.id });
    try {
      const res = await t.gql(SendTestMessage, {
        id: o.id,
        to: TO,
        text: 'Hello from the gateway',
      });
      const sent = res.body.data!.sendTestMessage;
      expect(sent.__typename).toBe('SendTestMessageSuccess');
      const [message] = sent.onboarding!.testMessages;
      expect(message).toMatchObject({
        to: TO,
        text: 'Hello from the gateway',
        status: 'SENT',
        deliveredAt: null,
        reply: null,
      });

      // What Sinch was asked: the app's own id, a WhatsApp identity in E.164 digits, the text.
      const journal = await t.sandbox.journal('conversation');
      const send = journal.find((e) => e.path?.endsWith('/messages:send'))!;
      expect(send.status).toBe(200);
      expect(send.requestBody).toMatchObject({
        app_id: o.conversationApp!.id,
        recipient: {
          identified_by: { channel_identities: [{ channel: 'WHATSAPP', identity: '46701234567' }] },
        },
        message: { text_message: { text: 'Hello from the gateway' } },
      });

      const delivered = await sub.waitFor(
        (v) => v.onboardingUpdated.testMessages[0]?.status === 'DELIVERED',
      );
      expect(delivered.onboardingUpdated.testMessages[0]!.deliveredAt).not.toBeNull();
      const statuses = sub.values
        .map((v) => v.onboardingUpdated.testMessages[0]?.status)
        .filter((s, i, all) => s !== undefined && s !== all[i - 1]);
      expect(statuses).toEqual(['SENT', 'QUEUED', 'DELIVERED']);
      const versions = sub.values.map((v) => v.onboardingUpdated.version);
      expect(versions).toEqual([...versions].sort((a, b) => a - b));

      // The contact answers on WhatsApp: the fake plays it as a signed MESSAGE_INBOUND.
      await t.sandbox.control('POST', '/conversation/inbound', {
        appId: o.conversationApp!.id,
        from: TO,
        text: 'It works!',
      });
      const replied = await sub.waitFor(
        (v) => v.onboardingUpdated.testMessages[0]?.reply?.text === 'It works!',
      );
      expect(replied.onboardingUpdated.testMessages[0]!.reply!.text).toBe('It works!');
      expect(eventTypes(replied.onboardingUpdated).filter((e) => e.startsWith('message.'))).toEqual(
        ['message.sent', 'message.queued', 'message.delivered', 'message.reply'],
      );
      // The onboarding itself is untouched by its messages.
      expect(replied.onboardingUpdated.status).toBe('READY');
    } finally {
      await sub.close();
    }
  });

  it('applies delivery reports that reach the gateway before Sinch’s answer to the send does', async () => {
    const o = await ready('first-message-early-report');
    // Sinch accepts the message and reports on it at once, but its answer is held back 500 ms.
    await t.sandbox.fault({
      upstream: 'conversation',
      method: 'POST',
      path: '/v1/projects/*/messages:send',
      kind: 'delay',
      delayMs: 500,
      after: 'commit',
      times: 1,
    });
    const res = await t.gql(SendTestMessage, { id: o.id, to: TO, text: 'Quick one' });
    expect(res.body.data!.sendTestMessage.__typename).toBe('SendTestMessageSuccess');
    const delivered = await until(async () => {
      const now = await read(o.id);
      return now.testMessages[0]?.status === 'DELIVERED' ? now : undefined;
    });
    // Both reports waited for the send; applied in whichever order they come, a message only
    // moves forward (a QUEUED after DELIVERED changes nothing).
    const events = eventTypes(delivered).filter((e) => e.startsWith('message.'));
    expect(events[0]).toBe('message.sent');
    expect(events.at(-1)).toBe('message.delivered');
  });

  it('refuses a recipient that is not a phone number, and text that is not plain, naming the argument', async () => {
    const o = await ready('first-message-bad-input');
    const before = await sends();
    for (const [to, text, argument] of [
      ['not-a-phone', 'Hello', 'to'],
      ['+12', 'Hello', 'to'],
      ['+4670123456789012', 'Hello', 'to'],
      [TO, '', 'text'],
      [TO, 'line one\nline two', 'text'],
      [TO, 'x'.repeat(1025), 'text'],
    ] as const) {
      const res = await t.gql(SendTestMessage, { id: o.id, to, text });
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors![0]!.message.startsWith(`${argument}: `)).toBe(true);
    }
    expect(await sends()).toBe(before);
    expect((await read(o.id)).testMessages).toEqual([]);
  });

  it('is refused (PreconditionFailed) before the onboarding is READY, and sends nothing', async () => {
    const o = await onboard('first-message-not-ready');
    const before = await sends();
    const res = await t.gql(SendTestMessage, { id: o.id, to: TO, text: 'Too early' });
    expect(res.body.data!.sendTestMessage).toMatchObject({
      __typename: 'PreconditionFailed',
      message: expect.stringContaining('READY'),
    });
    expect(await sends()).toBe(before);
  });

  it('refuses a suspended sender with a typed error, sends nothing, and shows the sender as it is', async () => {
    const o = await ready('first-message-suspended');
    // Sinch sends no callback for SUSPENDED: the gateway only learns it by asking.
    await t.sandbox.control('POST', `/sinch/senders/${o.sender!.id}/state`, { state: 'SUSPENDED' });
    const before = await sends();
    const res = await t.gql(SendTestMessage, { id: o.id, to: TO, text: 'Anyone there?' });
    expect(res.body.data!.sendTestMessage).toMatchObject({
      __typename: 'PreconditionFailed',
      step: 'WHATSAPP_SENDER',
      message: expect.stringContaining('SUSPENDED'),
    });
    expect(await sends()).toBe(before);
    const after = await read(o.id);
    expect(after.testMessages).toEqual([]);
    expect(after.sender!.state).toBe('SUSPENDED');
    // Asked again, it answers the same at once.
    const again = await t.gql(SendTestMessage, { id: o.id, to: TO, text: 'Anyone there?' });
    expect(again.body.data!.sendTestMessage.__typename).toBe('PreconditionFailed');
    expect(await sends()).toBe(before);
  });

  it('leaves a message SENT when no delivery report comes, and shows a FAILED report with its reason', async () => {
    const o = await ready('first-message-no-report');
    try {
      await t.sandbox.control('POST', '/conversation/delivery-reports', { mode: 'never' });
      await t.gql(SendTestMessage, { id: o.id, to: TO, text: 'Into the void' });
      // Well past when both reports would have come: nothing moves it, and there is no timeout.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const held = await read(o.id);
      expect(held.testMessages.map((m) => m.status)).toEqual(['SENT']);
      expect(eventTypes(held).filter((e) => e.startsWith('message.'))).toEqual(['message.sent']);

      await t.sandbox.control('POST', '/conversation/delivery-reports', { mode: 'failed' });
      await t.gql(SendTestMessage, { id: o.id, to: TO, text: 'Second try' });
      const failed = await until(async () => {
        const now = await read(o.id);
        return now.testMessages[0]?.status === 'FAILED' ? now : undefined;
      });
      expect(failed.testMessages.map((m) => [m.text, m.status])).toEqual([
        ['Second try', 'FAILED'],
        ['Into the void', 'SENT'],
      ]);
      expect(failed.testMessages[0]!.failure).toMatchObject({ code: 'RECIPIENT_NOT_REACHABLE' });
      expect(eventTypes(failed)).toContain('message.failed');
    } finally {
      await t.sandbox.control('POST', '/conversation/delivery-reports', { mode: 'normal' });
    }
  });
});

describe('Conversation API callbacks for a test message', () => {
  it('refuses an unsigned or mis-signed delivery report (401) and records nothing', async () => {
    const o = await ready('first-message-forged');
    try {
      await t.sandbox.control('POST', '/conversation/delivery-reports', { mode: 'never' });
      const res = await t.gql(SendTestMessage, { id: o.id, to: TO, text: 'Real message' });
      const [message] = res.body.data!.sendTestMessage.onboarding!.testMessages;
      const raw = rawOnboardingId(o.id);
      const path = `${t.gateway.url}/webhooks/sinch/conversation/${raw}`;
      const body = JSON.stringify({
        app_id: o.conversationApp!.id,
        message_delivery_report: { message_id: message!.messageId, status: 'FAILED' },
      });
      const reply = JSON.stringify({
        app_id: o.conversationApp!.id,
        message: {
          id: 'forged-inbound-1',
          contact_message: { text_message: { text: 'forged' } },
          channel_identity: { channel: 'WHATSAPP', identity: '46701234567' },
        },
      });
      const post = async (payload: string, headers: Record<string, string>) => {
        const answer = await fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: payload,
        });
        return { status: answer.status, json: await answer.json() };
      };
      const row = (await tableRows(t.gateway.database, 'onboardings')).find((r) => r.id === raw)!;
      const provisioningSecret = openOnboardingSecret(
        sealer,
        raw,
        'provisioning_webhook_secret',
        row.provisioningWebhookSecretSealed,
      );
      expect(await post(body, {})).toEqual({ status: 401, json: { error: 'missing_signature' } });
      expect(await post(body, signCallback({ secret: 'not-the-secret', rawBody: body }))).toEqual({
        status: 401,
        json: { error: 'bad_signature' },
      });
      // Signed with another of the onboarding's own secrets: still not the app webhook's.
      expect(
        await post(reply, signCallback({ secret: provisioningSecret, rawBody: reply })),
      ).toEqual({ status: 401, json: { error: 'bad_signature' } });

      await new Promise((resolve) => setTimeout(resolve, 200));
      const deliveries = (await tableRows(t.gateway.database, 'webhookDeliveries')).filter(
        (r) => r.onboardingRef === raw && r.source === 'sinch-conversation',
      );
      expect(deliveries).toEqual([]);
      const after = await read(o.id);
      expect(after.testMessages[0]).toMatchObject({ status: 'SENT', reply: null });
      expect(eventTypes(after).filter((e) => e.startsWith('message.'))).toEqual(['message.sent']);

      // The same report signed with the app webhook's secret is applied.
      const secret = openOnboardingSecret(
        sealer,
        raw,
        'app_webhook_secret',
        row.appWebhookSecretSealed,
      );
      expect(await post(body, signCallback({ secret, rawBody: body }))).toEqual({
        status: 200,
        json: { status: 'accepted' },
      });
      await until(async () =>
        (await read(o.id)).testMessages[0]?.status === 'FAILED' ? true : undefined,
      );
    } finally {
      await t.sandbox.control('POST', '/conversation/delivery-reports', { mode: 'normal' });
    }
  });
});
