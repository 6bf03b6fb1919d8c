// The routes SendZen and Sinch call back on, over real HTTP: a delivery is verified with the
// onboarding's own secret, stored, acknowledged and applied once; anything forged, stale, replayed,
// malformed or oversized, or naming an onboarding the gateway does not know, is refused and leaves
// no trace.
// Valid Sinch callbacks are signed here with the onboarding's real secret, opened with the
// gateway's own sealing key.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulid } from '../../src/ids.ts';
import { type OnboardingSecretKind, openOnboardingSecret } from '../../src/onboarding/secrets.ts';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import { loadSecretKeys } from '../../src/secrets/keys.ts';
import { Sealer } from '../../src/secrets/seal.ts';
import { signCallback } from '../../src/upstreams/sinch/signature.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import {
  LookUpOnboarding,
  OnboardCustomer,
  type OnboardingView,
  RelaySignupResult,
} from '../support/operations.ts';
import { tableRows } from '../support/rows.ts';
import { until } from '../support/windows.ts';

let t: TestGateway;
let sealer: Sealer;

beforeAll(async () => {
  t = await startTestGateway();
  sealer = new Sealer(loadSecretKeys({ databaseFile: join(t.dir, 'gateway.sqlite') }));
});
afterAll(() => t?.close());

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** A customer's onboarding; `raw` is the bare id that webhook URLs carry. */
async function onboard(clientIdentifier: string, autoProvision = false) {
  const res = await t.gql(OnboardCustomer, { input: { clientIdentifier, autoProvision } });
  expect(res.body.errors).toBeUndefined();
  const { id } = res.body.data!.onboardCustomer.onboarding;
  // Settled: what runs by itself before the signup (subproject, provisioning webhook) is done, so
  // the version only moves again when something the test sends changes the onboarding.
  const settled = await t.waitForOnboarding(
    id,
    (now) =>
      stepStatus(now, 'PROVISIONING_WEBHOOK') === 'SUCCEEDED' &&
      stepStatus(now, 'CUSTOMER_SIGNUP') === 'WAITING',
  );
  expect(settled.sendzenProjectId).toBeTruthy();
  return { ...settled, raw: rawOnboardingId(id) };
}

const read = (id: string) => t.onboarding(id);

const eventTypes = (o: OnboardingView) => o.events.edges.map((e) => e.node.type);
const stepStatus = (o: OnboardingView, name: string) =>
  o.steps.find((s) => s.name === name)?.status;

const SECRET_COLUMNS = {
  sendzen_webhook_token: 'sendzenWebhookTokenSealed',
  provisioning_webhook_secret: 'provisioningWebhookSecretSealed',
  app_webhook_secret: 'appWebhookSecretSealed',
} as const;

/** The onboarding's own secret, as the gateway sealed it. */
async function secretOf(
  raw: string,
  kind: keyof typeof SECRET_COLUMNS & OnboardingSecretKind,
): Promise<string> {
  const row = (await tableRows(t.gateway.database, 'onboardings')).find((r) => r.id === raw);
  if (!row) throw new Error(`no onboarding ${raw}`);
  return openOnboardingSecret(sealer, raw, kind, row[SECRET_COLUMNS[kind]]);
}

async function deliveriesOf(
  raw: string,
  source?: 'sendzen' | 'sinch-provisioning' | 'sinch-conversation',
) {
  return (await tableRows(t.gateway.database, 'webhookDeliveries')).filter(
    (r) => r.onboardingRef === raw && (!source || r.source === source),
  );
}

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

async function sendzenPath(raw: string, token?: string): Promise<string> {
  token ??= await secretOf(raw, 'sendzen_webhook_token');
  return `/webhooks/sendzen/${raw}/${token}`;
}

function signupBody(
  o: { clientIdentifier: string; sendzenProjectId: string | null },
  ids: { wabaId: string; phoneNumberId: string },
): string {
  return JSON.stringify({
    status: 'completed',
    project_id: o.sendzenProjectId,
    client_identifier: o.clientIdentifier,
    waba_id: ids.wabaId,
    phone_number_id: ids.phoneNumberId,
  });
}

/** Signed with `secret` the way Sinch signs: returns the exact headers and body to send. */
function signed(secret: string, payload: unknown, options: { timestamp?: number } = {}) {
  const body = JSON.stringify(payload);
  return { body, headers: signCallback({ secret, rawBody: body, timestamp: options.timestamp }) };
}

// ---------------------------------------------------------------------------------------------
// SendZen signup webhook
// ---------------------------------------------------------------------------------------------

describe('the SendZen signup webhook', () => {
  it('applies a result delivered twice only once, and answers the repeat as a duplicate', async () => {
    const o = await onboard('wh-sendzen-twice');
    const body = signupBody(o, { wabaId: '100000000000001', phoneNumberId: '200000000000001' });

    const first = await post(await sendzenPath(o.raw), body);
    const second = await post(await sendzenPath(o.raw), body);
    expect(first).toEqual({ status: 200, json: { status: 'accepted' } });
    expect(second).toEqual({ status: 200, json: { status: 'duplicate' } });

    const after = await t.waitForOnboarding(o.id, (now) => now.signup !== null);
    expect(after.signup).toEqual({
      status: 'COMPLETED',
      wabaId: '100000000000001',
      phoneNumberId: '200000000000001',
      source: 'WEBHOOK',
      message: null,
      awaitingConfirmation: false,
    });
    expect(stepStatus(after, 'CUSTOMER_SIGNUP')).toBe('SUCCEEDED');
    const stored = await until(async () => {
      const rows = await deliveriesOf(o.raw, 'sendzen');
      return rows.every((r) => r.processedAt !== null) ? rows : undefined;
    });
    expect(stored.map((r) => r.outcome)).toEqual(['applied']);
    expect(eventTypes(await read(o.id)).filter((type) => type === 'signup.completed')).toHaveLength(
      1,
    );
  });

  it('refuses a wrong token with 401 and neither stores nor changes anything', async () => {
    const o = await onboard('wh-sendzen-token');
    const other = await onboard('wh-sendzen-token-other');
    const body = signupBody(o, { wabaId: '100000000000002', phoneNumberId: '200000000000002' });

    const guessed = await post(await sendzenPath(o.raw, 'not-the-token'), body);
    // Another customer's (valid) token does not open this customer's route either.
    const borrowed = await post(
      await sendzenPath(o.raw, await secretOf(other.raw, 'sendzen_webhook_token')),
      body,
    );
    expect(guessed).toEqual({ status: 401, json: { error: 'invalid_token' } });
    expect(borrowed).toEqual({ status: 401, json: { error: 'invalid_token' } });

    expect(await deliveriesOf(o.raw)).toEqual([]);
    const after = await read(o.id);
    expect(after.version).toBe(o.version);
    expect(after.signup).toBeNull();
    expect(after.status).toBe('AWAITING_SIGNUP');
  });

  it('answers 400 to a body that is not JSON, or not a signup result, and keeps neither', async () => {
    const o = await onboard('wh-sendzen-malformed');
    const broken = await post(await sendzenPath(o.raw), '{"status": "completed", ');
    expect(broken).toEqual({ status: 400, json: { error: 'invalid_json' } });
    const wrongShape = await post(await sendzenPath(o.raw), JSON.stringify({ status: 'maybe' }));
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.json).toMatchObject({ error: 'invalid_body' });

    expect(await deliveriesOf(o.raw)).toEqual([]);
    expect((await read(o.id)).version).toBe(o.version);
  });

  it('answers 413 to a body over 64 KiB, whether its length is declared or streamed', async () => {
    const o = await onboard('wh-sendzen-oversized');
    const big = JSON.stringify({
      status: 'failed',
      project_id: o.sendzenProjectId,
      client_identifier: o.clientIdentifier,
      message: 'x'.repeat(65 * 1024),
    });

    const declared = await post(await sendzenPath(o.raw), big);
    expect(declared).toEqual({ status: 413, json: { error: 'body_too_large' } });

    // Chunked, with no content-length to refuse it by: the limit must hold while reading.
    const chunks = [big.slice(0, 40 * 1024), big.slice(40 * 1024)];
    const streamed = await fetch(`${t.gateway.url}${await sendzenPath(o.raw)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toEqual({ error: 'body_too_large' });

    expect(await deliveriesOf(o.raw)).toEqual([]);
    const after = await read(o.id);
    expect(after.signup).toBeNull();
    expect(after.version).toBe(o.version);
  });
});

// ---------------------------------------------------------------------------------------------
// Sinch provisioning callbacks
// ---------------------------------------------------------------------------------------------

describe('Sinch provisioning callbacks', () => {
  let o: Awaited<ReturnType<typeof onboard>>;
  let secret: string;
  /** The sender as the fake holds it: the payload a real callback would carry. */
  let sender: Record<string, unknown> & { id: string; modified: string };
  const path = () => `/webhooks/sinch/provisioning/${o.raw}`;

  /** A callback about the onboarding's sender in `state`, as of `modified`. */
  function callback(state: 'ACTIVE' | 'IN_PROGRESS', modified: string) {
    const { id, region, metaLocalStorage, cloudApi, businessManager, compatibleRegions, created } =
      sender;
    return {
      type: state === 'ACTIVE' ? 'WHATSAPP_SENDER_ACTIVE' : 'WHATSAPP_SENDER_IN_PROGRESS',
      payload: {
        id,
        region,
        metaLocalStorage,
        cloudApi,
        businessManager,
        compatibleRegions,
        created,
        modified,
        ...(state === 'ACTIVE'
          ? { state: 'ACTIVE', bearerToken: 'forged-in-test-bearer-token-0001' }
          : { changes: { status: 'IN_PROGRESS', details: {} } }),
      },
    };
  }

  beforeAll(async () => {
    o = await onboard('wh-provisioning', true);
    secret = await secretOf(o.raw, 'provisioning_webhook_secret');
    // The fake keeps this sender IN_PROGRESS: only the callbacks below move it.
    await t.sandbox.scriptSender({ state: 'ACTIVE', afterMs: 3_600_000 });
    await t.sandbox.control('POST', '/sendzen/signups', {
      clientIdentifier: o.clientIdentifier,
      status: 'completed',
    });
    const waiting = await t.waitForOnboarding(
      o.id,
      (now) => stepStatus(now, 'WHATSAPP_SENDER') === 'WAITING' && now.sender !== null,
    );
    const state = await t.sandbox.control<{
      records: { senders: (Record<string, unknown> & { id: string; modified: string })[] };
    }>('GET', '/state');
    sender = state.records.senders.find((s) => s.id === waiting.sender!.id)!;
    expect(sender).toBeDefined();
    activeSecond = Math.ceil((Date.parse(sender.modified) + 60_000) / 1000) * 1000;
    activeAt = new Date(activeSecond + 250).toISOString();
    expect(waiting.sender!.state).toBe('IN_PROGRESS');
  });

  it('refuses a callback signed with another secret, or not signed, with 401 and applies nothing', async () => {
    const before = await read(o.id);
    const forged = signed(
      'a-secret-the-gateway-never-issued',
      callback('ACTIVE', new Date().toISOString()),
    );
    expect(await post(path(), forged.body, forged.headers)).toEqual({
      status: 401,
      json: { error: 'bad_signature' },
    });
    expect(await post(path(), forged.body)).toEqual({
      status: 401,
      json: { error: 'missing_signature' },
    });
    expect(await deliveriesOf(o.raw, 'sinch-provisioning')).toEqual([]);
    const after = await read(o.id);
    expect(after.version).toBe(before.version);
    expect(after.sender?.state).toBe('IN_PROGRESS');
  });

  it('refuses a correctly signed callback whose timestamp is stale with 401', async () => {
    const before = await read(o.id);
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const stale = signed(secret, callback('ACTIVE', new Date().toISOString()), {
      timestamp: tenMinutesAgo,
    });
    expect(await post(path(), stale.body, stale.headers)).toEqual({
      status: 401,
      json: { error: 'stale_timestamp' },
    });
    expect(await deliveriesOf(o.raw, 'sinch-provisioning')).toEqual([]);
    const after = await read(o.id);
    expect(after.version).toBe(before.version);
    expect(after.sender?.state).toBe('IN_PROGRESS');
  });

  // When the sender turns ACTIVE: a minute after the fake last changed it, on a whole second of
  // Sinch's clock (written without fractions, as ISO 8601 allows), plus 250 ms.
  let activeSecond: number;
  let activeAt: string;

  it('applies a signed ACTIVE callback once; the exact same request replayed is refused', async () => {
    const active = signed(secret, callback('ACTIVE', activeAt));
    expect(await post(path(), active.body, active.headers)).toEqual({
      status: 200,
      json: { status: 'accepted' },
    });
    const succeeded = await t.waitForOnboarding(
      o.id,
      (now) => stepStatus(now, 'WHATSAPP_SENDER') === 'SUCCEEDED',
    );
    expect(succeeded.sender).toMatchObject({ state: 'ACTIVE', hasBearerToken: true });

    const replayed = await post(path(), active.body, active.headers);
    expect(replayed).toEqual({ status: 401, json: { error: 'replayed_nonce' } });
    expect(await deliveriesOf(o.raw, 'sinch-provisioning')).toHaveLength(1);
    const activeEvents = (await read(o.id)).events.edges.filter(
      (e) => e.node.type === 'sender.state' && e.node.message.includes('ACTIVE'),
    );
    expect(activeEvents).toHaveLength(1);
  });

  /** Sends signed IN_PROGRESS reports as of each time; all are accepted, and none applies. */
  async function expectIgnored(times: string[]) {
    const stored = (await deliveriesOf(o.raw, 'sinch-provisioning')).length;
    for (const modified of times) {
      const older = signed(secret, callback('IN_PROGRESS', modified));
      expect(await post(path(), older.body, older.headers)).toEqual({
        status: 200,
        json: { status: 'accepted' },
      });
    }
    await until(async () => {
      const rows = await deliveriesOf(o.raw, 'sinch-provisioning');
      return rows.length === stored + times.length && rows.every((r) => r.processedAt !== null)
        ? true
        : undefined;
    });
    const after = await read(o.id);
    expect(after.sender).toMatchObject({ state: 'ACTIVE', hasBearerToken: true });
    expect(stepStatus(after, 'WHATSAPP_SENDER')).toBe('SUCCEEDED');
    const backwards = after.events.edges.filter(
      (e) => e.node.type === 'sender.state' && e.node.message.includes('IN_PROGRESS'),
    );
    expect(backwards).toEqual([]);
  }

  it('never moves the sender backwards when an older or same-time IN_PROGRESS report follows ACTIVE', async () => {
    await expectIgnored([
      new Date(activeSecond - 60_000).toISOString(),
      // The same instant: IN_PROGRESS is not further along than ACTIVE.
      activeAt,
    ]);
  });

  it('orders reports by time, not by how the time is written', async () => {
    await expectIgnored([
      // 250 ms before ACTIVE, written without fractional seconds (ISO 8601 allows both).
      new Date(activeSecond).toISOString().replace('.000Z', 'Z'),
      // 250 ms before ACTIVE, written with an offset.
      new Date(activeSecond).toISOString().replace('.000Z', '+00:00'),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Deliveries for an onboarding the gateway does not know
// ---------------------------------------------------------------------------------------------

describe('a sender report before the gateway asked for a sender', () => {
  it('is stored as a delivery but stands in for nothing: the real sender is still created after the signup', async () => {
    const o = await onboard('wh-unasked-sender', true);
    const secret = await secretOf(o.raw, 'provisioning_webhook_secret');
    await t.waitForOnboarding(
      o.id,
      (now) => stepStatus(now, 'PROVISIONING_WEBHOOK') === 'SUCCEEDED',
    );
    const stranger = {
      type: 'WHATSAPP_SENDER_ACTIVE',
      payload: {
        id: 'a1b2c3d4-0000-4000-8000-000000000001',
        state: 'ACTIVE',
        bearerToken: 'someone-elses-bearer-token-0001',
        region: 'US',
        metaLocalStorage: 'US',
        cloudApi: true,
        businessManager: 'SINCH_UK',
        compatibleRegions: ['us', 'eu'],
        modified: new Date().toISOString(),
      },
    };
    const { body, headers } = signed(secret, stranger);
    expect((await post(`/webhooks/sinch/provisioning/${o.raw}`, body, headers)).status).toBe(200);
    await until(async () =>
      (await deliveriesOf(o.raw, 'sinch-provisioning'))[0]?.processedAt ? true : undefined,
    );
    const before = await read(o.id);
    expect(stepStatus(before, 'WHATSAPP_SENDER')).toBe('PENDING');
    expect(before.sender).toBeNull();

    await t.sandbox.control('POST', '/sendzen/signups', {
      clientIdentifier: o.clientIdentifier,
      status: 'completed',
    });
    const ready = await t.waitForOnboarding(o.id, (now) => now.status === 'READY');
    expect(ready.sender!.id).not.toBe(stranger.payload.id);
  });
});

describe('a delivery that cannot be verified, or names an onboarding the gateway does not know', () => {
  // What an attacker with no credential can send each route: a made-up token, a signature made
  // with a made-up secret, or none.
  const bodies = {
    sendzen: JSON.stringify({
      status: 'completed',
      client_identifier: 'nobody',
      waba_id: '1',
      phone_number_id: '2',
    }),
    provisioning: JSON.stringify({
      type: 'WHATSAPP_SENDER_ACTIVE',
      payload: { id: 'sender-of-nobody' },
    }),
    conversation: JSON.stringify({ message: { id: 'message-for-nobody' } }),
  };
  const forgeries = (raw: string) => [
    post(`/webhooks/sendzen/${raw}/some-token`, bodies.sendzen),
    post(
      `/webhooks/sinch/provisioning/${raw}`,
      bodies.provisioning,
      signCallback({ secret: 'whatever', rawBody: bodies.provisioning }),
    ),
    post(`/webhooks/sinch/provisioning/${raw}`, bodies.provisioning),
    post(
      `/webhooks/sinch/conversation/${raw}`,
      bodies.conversation,
      signCallback({ secret: 'whatever', rawBody: bodies.conversation }),
    ),
    post(`/webhooks/sinch/conversation/${raw}`, bodies.conversation),
  ];
  const REFUSED = [
    { status: 401, json: { error: 'invalid_token' } },
    { status: 401, json: { error: 'bad_signature' } },
    { status: 401, json: { error: 'missing_signature' } },
    { status: 401, json: { error: 'bad_signature' } },
    { status: 401, json: { error: 'missing_signature' } },
  ];

  it('is refused (401) on every route the same way whether the onboarding exists or not, and nothing is stored', async () => {
    const o = await onboard('wh-forged-known');
    const unknown = ulid();
    const rowsBefore = (await tableRows(t.gateway.database, 'webhookDeliveries')).length;

    const known = await Promise.all(forgeries(o.raw));
    const unknownAnswers = await Promise.all(forgeries(unknown));
    expect(known).toEqual(REFUSED);
    // The answer does not tell an attacker which ids exist.
    expect(unknownAnswers).toEqual(known);

    expect(await deliveriesOf(o.raw)).toEqual([]);
    expect(await deliveriesOf(unknown)).toEqual([]);
    expect(await tableRows(t.gateway.database, 'webhookDeliveries')).toHaveLength(rowsBefore);
    expect((await read(o.id)).version).toBe(o.version);
    const res = await t.gql(LookUpOnboarding, { id: unknown });
    expect(res.body.data?.onboarding).toBeNull();
  });

  it('in a burst of 200 does not grow the database; a valid delivery after it is stored once and applied', async () => {
    const o = await onboard('wh-forged-burst');
    const rowsBefore = (await tableRows(t.gateway.database, 'webhookDeliveries')).length;

    // 40 sets of the five forgeries, eight sets at a time: half at the real onboarding, half at
    // fresh ids.
    const answers: { status: number }[] = [];
    for (let round = 0; round < 40; round += 8) {
      const batch = Array.from({ length: 8 }, (_, i) =>
        forgeries((round + i) % 2 === 0 ? o.raw : ulid()),
      ).flat();
      answers.push(...(await Promise.all(batch)));
    }
    expect(await tableRows(t.gateway.database, 'webhookDeliveries')).toHaveLength(rowsBefore);
    expect(answers).toHaveLength(200);
    expect(answers.every((a) => a.status === 401)).toBe(true);

    const ids = { wabaId: '100000000000009', phoneNumberId: '200000000000009' };
    expect(await post(await sendzenPath(o.raw), signupBody(o, ids))).toEqual({
      status: 200,
      json: { status: 'accepted' },
    });
    const after = await t.waitForOnboarding(o.id, (now) => now.signup !== null);
    expect(after.signup).toMatchObject({ status: 'COMPLETED', ...ids, source: 'WEBHOOK' });
    const stored = await until(async () => {
      const rows = await deliveriesOf(o.raw);
      return rows.every((r) => r.processedAt !== null) ? rows : undefined;
    });
    expect(stored.map((r) => [r.source, r.outcome])).toEqual([['sendzen', 'applied']]);
    expect(await tableRows(t.gateway.database, 'webhookDeliveries')).toHaveLength(rowsBefore + 1);
  });
});

// ---------------------------------------------------------------------------------------------
// The frontend's relay and SendZen's webhook
// ---------------------------------------------------------------------------------------------

describe('the relayed signup result and the SendZen webhook', () => {
  async function relay(o: { id: string }, ids: { wabaId: string; phoneNumberId: string }) {
    const res = await t.gql(RelaySignupResult, {
      input: { onboardingId: o.id, status: 'COMPLETED', ...ids },
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.relaySignupResult.__typename).toBe('RelaySignupResultSuccess');
  }

  /** Waits until every stored webhook delivery of the onboarding has been applied. */
  async function applied(raw: string): Promise<void> {
    await until(async () => {
      const rows = await deliveriesOf(raw);
      return rows.length > 0 && rows.every((r) => r.processedAt !== null) ? true : undefined;
    });
  }

  it('when they disagree, logs signup.disagreement and the webhook’s ids stand', async () => {
    const o = await onboard('wh-relay-then-other-webhook');
    const a = { wabaId: '300000000000001', phoneNumberId: '400000000000001' };
    const b = { wabaId: '300000000000002', phoneNumberId: '400000000000002' };
    await relay(o, a);
    expect((await read(o.id)).signup).toMatchObject({
      ...a,
      source: 'RELAY',
      awaitingConfirmation: true,
    });

    expect(await post(await sendzenPath(o.raw), signupBody(o, b))).toMatchObject({ status: 200 });
    await applied(o.raw);

    const after = await read(o.id);
    expect(after.signup).toEqual({
      status: 'COMPLETED',
      ...b,
      source: 'WEBHOOK',
      message: null,
      awaitingConfirmation: false,
    });
    expect(eventTypes(after)).toContain('signup.disagreement');
    expect(eventTypes(after)).not.toContain('signup.confirmed');
  });

  it('a relay disagreeing with a webhook that came first changes nothing but the log', async () => {
    const o = await onboard('wh-webhook-then-other-relay');
    const a = { wabaId: '300000000000003', phoneNumberId: '400000000000003' };
    const b = { wabaId: '300000000000004', phoneNumberId: '400000000000004' };
    expect(await post(await sendzenPath(o.raw), signupBody(o, a))).toMatchObject({ status: 200 });
    await applied(o.raw);
    await relay(o, b);

    const after = await read(o.id);
    expect(after.signup).toEqual({
      status: 'COMPLETED',
      ...a,
      source: 'WEBHOOK',
      message: null,
      awaitingConfirmation: false,
    });
    expect(eventTypes(after)).toContain('signup.disagreement');
    expect(eventTypes(after).filter((type) => type === 'signup.completed')).toHaveLength(1);
  });

  it('when the webhook repeats what the relay said, logs signup.confirmed and applies it once', async () => {
    const o = await onboard('wh-relay-then-same-webhook');
    const ids = { wabaId: '300000000000005', phoneNumberId: '400000000000005' };
    await relay(o, ids);
    expect(await post(await sendzenPath(o.raw), signupBody(o, ids))).toMatchObject({ status: 200 });
    await applied(o.raw);

    const after = await read(o.id);
    expect(after.signup).toEqual({
      status: 'COMPLETED',
      ...ids,
      source: 'WEBHOOK',
      message: null,
      awaitingConfirmation: false,
    });
    expect(eventTypes(after)).toContain('signup.confirmed');
    expect(eventTypes(after)).not.toContain('signup.disagreement');
    expect(eventTypes(after).filter((type) => type === 'signup.completed')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Conversation API callbacks
// ---------------------------------------------------------------------------------------------

describe('Conversation API callbacks', () => {
  it('are verified with the app webhook’s secret and stored once per message', async () => {
    const o = await onboard('wh-conversation');
    const path = `/webhooks/sinch/conversation/${o.raw}`;
    const secret = await secretOf(o.raw, 'app_webhook_secret');
    const inbound = {
      app_id: 'APP',
      message: {
        id: 'message-inbound-0001',
        direction: 'TO_APP',
        contact_message: { text_message: { text: 'hi' } },
      },
    };
    const delivered = {
      app_id: 'APP',
      message_delivery_report: { message_id: 'message-out-0001', status: 'DELIVERED' },
    };
    const read_ = {
      app_id: 'APP',
      message_delivery_report: { message_id: 'message-out-0001', status: 'READ' },
    };

    const first = signed(secret, inbound);
    expect(await post(path, first.body, first.headers)).toEqual({
      status: 200,
      json: { status: 'accepted' },
    });
    // Sinch's retry of the same message: signed afresh (new nonce), the same message id.
    const retry = signed(secret, inbound);
    expect(await post(path, retry.body, retry.headers)).toEqual({
      status: 200,
      json: { status: 'duplicate' },
    });
    for (const report of [delivered, read_]) {
      const s = signed(secret, report);
      expect(await post(path, s.body, s.headers)).toEqual({
        status: 200,
        json: { status: 'accepted' },
      });
    }
    const again = signed(secret, delivered);
    expect(await post(path, again.body, again.headers)).toEqual({
      status: 200,
      json: { status: 'duplicate' },
    });

    // Signed with the wrong secret (here the onboarding's provisioning one): refused.
    const wrong = signed(await secretOf(o.raw, 'provisioning_webhook_secret'), {
      ...inbound,
      message: { ...inbound.message, id: 'message-inbound-0002' },
    });
    expect(await post(path, wrong.body, wrong.headers)).toEqual({
      status: 401,
      json: { error: 'bad_signature' },
    });
    expect(await post(path, first.body, first.headers)).toEqual({
      status: 401,
      json: { error: 'replayed_nonce' },
    });

    const rows = await until(async () => {
      const all = await deliveriesOf(o.raw, 'sinch-conversation');
      return all.every((r) => r.processedAt !== null) ? all : undefined;
    });
    expect(rows.map((r) => ({ key: r.dedupKey, outcome: r.outcome, body: r.body }))).toEqual([
      // No channel identity: not an inbound message the gateway can match to a contact.
      {
        key: 'message-inbound-0001',
        outcome: 'ignored: not a message delivery report or inbound message',
        body: inbound,
      },
      { key: 'message-out-0001:DELIVERED', outcome: 'ignored: another app', body: delivered },
      { key: 'message-out-0001:READ', outcome: 'ignored: another app', body: read_ },
    ]);
    // Callbacks about an app the onboarding does not have are kept and change nothing.
    expect((await read(o.id)).version).toBe(o.version);
  });
});
