import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeUpstreams } from '../../mocks/serve.ts';
import {
  papiErrorBodySchema,
  provisioningCallbackSchema,
  provisioningWebhookListSchema,
  senderListSchema,
  senderSchema,
} from '../../src/upstreams/sinch/contract.ts';
import { verifyCallback } from '../../src/upstreams/sinch/signature.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import {
  call,
  control,
  eventually,
  type Loose,
  sandboxBasic,
  sinchToken,
  sleep,
  startFake,
} from './helpers.ts';

let fake: FakeUpstreams;
let receiver: Receiver;
let auth: string;
const secret = 'provisioning-callback-secret';

beforeAll(async () => {
  fake = await startFake({ senderActivationMs: 50 });
  receiver = await startReceiver();
  auth = `Bearer ${await sinchToken(fake)}`;
});
afterAll(async () => {
  await receiver.close();
  await fake.close();
});
beforeEach(async () => {
  await control(fake, 'POST', '/reset');
  auth = `Bearer ${await sinchToken(fake)}`;
  receiver.deliveries.length = 0;
});

const project = () => fake.credentials.sinchProjectId;
const senders = (p = project()) => `${fake.urls.provisioning}/v1/projects/${p}/whatsapp/senders`;
const webhooks = (p = project()) => `${fake.urls.provisioning}/v1/projects/${p}/webhooks`;

let phone = 200000000000000;
const esBody = (overrides: Record<string, unknown> = {}) => ({
  wabaId: '524126980791429',
  phoneNumberId: String(++phone),
  ...overrides,
});

async function createSender(body: unknown = esBody(), p = project()) {
  const answer = await call('POST', senders(p), { auth, body });
  expect(answer.status).toBe(201);
  return senderSchema.parse(answer.body);
}

async function registerWebhook(triggers: string[] = ['ALL'], p = project(), path = '/papi') {
  const answer = await call('POST', webhooks(p), {
    auth,
    body: { target: `${receiver.url}${path}`, secret, triggers },
  });
  expect(answer.status).toBe(201);
  return answer.body;
}

const callbacks = (type: string) =>
  receiver.deliveries.filter((d) => (d.json as Loose)?.type === type);

describe('Provisioning credentials and errors', () => {
  it('accepts a token or the key over Basic, and refuses anything else with its own 401', async () => {
    expect((await call('GET', senders(), { auth })).status).toBe(200);
    expect((await call('GET', senders(), { auth: sandboxBasic(fake) })).status).toBe(200);
    const refusals = [
      await call('GET', senders(), { auth: 'Bearer nope' }),
      await call('GET', senders()),
      await call('POST', senders(), { auth: 'Bearer nope', body: esBody() }),
    ];
    for (const answer of refusals) {
      expect(answer.status).toBe(401);
      expect(papiErrorBodySchema.parse(answer.body)).toEqual({
        errorCode: 'unauthorized_error',
        message: expect.any(String),
        resolution: 'Verify that projectId is correct.',
      });
      expect(answer.headers.get('www-authenticate')).toBe('Basic realm="Realm"');
    }
  });

  it('refuses a sender create whose body is not declared as application/json', async () => {
    // Bytes, so that fetch adds no Content-Type of its own: the case without one is real.
    const body = new TextEncoder().encode(JSON.stringify(esBody()));
    for (const contentType of ['text/plain', 'text/plain;charset=UTF-8', undefined]) {
      const headers: Record<string, string> = { authorization: auth };
      if (contentType) headers['content-type'] = contentType;
      const response = await fetch(senders(), { method: 'POST', headers, body });
      expect(response.status).toBe(400);
      expect(papiErrorBodySchema.parse(await response.json())).toEqual({
        errorCode: 'invalid_payload',
        message: 'Invalid payload.',
        resolution: expect.stringContaining('application/json'),
      });
    }
    expect((await call('GET', senders(), { auth })).body.totalSize).toBe(0);

    const json = await call('POST', senders(), {
      auth,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: esBody(),
    });
    expect(json.status).toBe(201);
  });

  it('refuses an invalid body with invalid_input and its validation errors', async () => {
    const answer = await call('POST', senders(), { auth, body: { phoneNumberId: '1' } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      errorCode: 'invalid_input',
      additionalInformation: { validationErrors: [expect.stringMatching(/wabaId/)] },
    });
    const region = await call('POST', senders(), { auth, body: esBody({ region: 'APAC' }) });
    expect(region.body.errorCode).toBe('invalid_input');
    const notJson = await call('POST', senders(), { auth, body: '{' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.errorCode).toBe('invalid_payload');
  });

  it('refuses a business manager the region does not allow', async () => {
    const answer = await call('POST', senders(), {
      auth,
      body: esBody({ region: 'EU', businessManager: 'SINCH_BR' }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errorCode).toBe('invalid_business_manager');
    const allowed = await call('POST', senders(), {
      auth,
      body: esBody({ region: 'BR', businessManager: 'SINCH_MX' }),
    });
    expect(allowed.status).toBe(201);
  });
});

describe('a WhatsApp sender', () => {
  it('is created in progress with documented defaults and no bearer token', async () => {
    const sender = await createSender();
    expect(sender.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(sender.state).toBeUndefined();
    expect(sender.changes).toEqual({ status: 'IN_PROGRESS', details: {} });
    expect(sender.bearerToken).toBeUndefined();
    expect(sender).toMatchObject({
      region: 'US',
      metaLocalStorage: 'US',
      businessManager: 'SINCH_BR',
      compatibleRegions: ['us', 'eu'],
      cloudApi: true,
    });
    const read = senderSchema.parse(
      (await call('GET', `${senders()}/${sender.id}`, { auth })).body,
    );
    expect(read.state).toBe('IN_PROGRESS');
    expect(read.bearerToken).toBeUndefined();
  });

  it('derives storage and compatible regions from the region', async () => {
    const eu = await createSender(esBody({ region: 'EU' }));
    expect(eu).toMatchObject({
      metaLocalStorage: 'DE',
      businessManager: 'SINCH_UK',
      compatibleRegions: ['eu', 'us'],
    });
    const br = await createSender(esBody({ region: 'BR' }));
    expect(br).toMatchObject({ metaLocalStorage: 'BR', compatibleRegions: ['br', 'us'] });
  });

  it('becomes ACTIVE after the activation delay, with a bearer token, announced by a signed callback', async () => {
    await registerWebhook(['WHATSAPP_SENDER_ACTIVE']);
    const sender = await createSender();
    const delivery = await eventually(() => callbacks('WHATSAPP_SENDER_ACTIVE')[0]);

    const verdict = await verifyCallback({
      secret,
      rawBody: delivery.rawBody,
      headers: delivery.headers,
    });
    expect(verdict.ok).toBe(true);
    expect(delivery.headers['x-sinch-webhook-signature-algorithm']).toBe('HmacSHA256');
    const callback = provisioningCallbackSchema.parse(delivery.json);
    const read = (await call('GET', `${senders()}/${sender.id}`, { auth })).body;
    expect(callback.payload).toEqual(read);
    expect(read.state).toBe('ACTIVE');
    expect(read.bearerToken).toEqual(expect.any(String));
    expect(read.changes).toBeUndefined();

    const wrongSecret = await verifyCallback({
      secret: 'another-secret',
      rawBody: delivery.rawBody,
      headers: delivery.headers,
    });
    expect(wrongSecret.ok).toBe(false);
  });

  it('follows a scripted ERROR outcome with its error code', async () => {
    await registerWebhook(['WHATSAPP_SENDER_ERROR']);
    await control(fake, 'POST', '/sinch/sender-outcomes', {
      state: 'ERROR',
      afterMs: 10,
      errorCode: 'NO_PRICING_PLAN',
    });
    const sender = await createSender();
    const delivery = await eventually(() => callbacks('WHATSAPP_SENDER_ERROR')[0]);
    expect((delivery.json as Loose).payload.changes).toMatchObject({
      status: 'ERROR',
      errorCode: 'NO_PRICING_PLAN',
      errorReason: expect.any(String),
    });
    const read = (await call('GET', `${senders()}/${sender.id}`, { auth })).body;
    expect(read).toMatchObject({ state: 'ERROR', changes: { errorCode: 'NO_PRICING_PLAN' } });
    expect(read.bearerToken).toBeUndefined();
  });

  it('plays PENDING_VERIFICATION then ACTIVE, with a callback for each', async () => {
    await registerWebhook(['ALL']);
    await control(fake, 'POST', '/sinch/sender-outcomes', {
      state: 'PENDING_VERIFICATION',
      afterMs: 10,
    });
    const sender = await createSender();
    await eventually(() => callbacks('WHATSAPP_SENDER_ACTIVE')[0]);
    const pending = callbacks('WHATSAPP_SENDER_PENDING_VERIFICATION');
    expect(pending).toHaveLength(1);
    expect((pending[0]!.json as Loose).payload).toMatchObject({
      id: sender.id,
      state: 'PENDING_VERIFICATION',
    });
    const read = (await call('GET', `${senders()}/${sender.id}`, { auth })).body;
    expect(read).toMatchObject({ state: 'ACTIVE', bearerToken: expect.any(String) });
  });

  it('plays REJECTED on the pending change, with the reason, and no bearer token', async () => {
    await registerWebhook(['WHATSAPP_SENDER_REJECTED']);
    await control(fake, 'POST', '/sinch/sender-outcomes', {
      state: 'REJECTED',
      afterMs: 10,
      errorReason: 'Business not verified.',
    });
    const sender = await createSender();
    const delivery = await eventually(() => callbacks('WHATSAPP_SENDER_REJECTED')[0]);
    expect((delivery.json as Loose).payload.changes).toMatchObject({
      status: 'REJECTED',
      errorReason: 'Business not verified.',
    });
    const read = (await call('GET', `${senders()}/${sender.id}`, { auth })).body;
    expect(read).toMatchObject({ state: 'IN_PROGRESS', changes: { status: 'REJECTED' } });
    expect(read.bearerToken).toBeUndefined();
  });

  it('plays a display name in review: ACTIVE with it PENDING, then APPROVED', async () => {
    await registerWebhook(['ALL']);
    await control(fake, 'POST', '/sinch/sender-outcomes', {
      state: 'DISPLAY_NAME_REVIEW',
      afterMs: 10,
    });
    await createSender();
    const active = await eventually(() => callbacks('WHATSAPP_SENDER_ACTIVE')[0]);
    expect((active.json as Loose).payload.metadata.displayName.status).toBe('PENDING');
    const updated = await eventually(() => callbacks('WHATSAPP_SENDER_DISPLAY_NAME_UPDATED')[0]);
    expect((updated.json as Loose).payload).toMatchObject({
      state: 'ACTIVE',
      metadata: { displayName: { status: 'APPROVED' } },
    });
  });

  it('consumes scripted outcomes first in, first out', async () => {
    await control(fake, 'POST', '/sinch/sender-outcomes', { state: 'ERROR', afterMs: 0 });
    await control(fake, 'POST', '/sinch/sender-outcomes', { state: 'ACTIVE', afterMs: 0 });
    expect((await control(fake, 'GET', '/sinch/sender-outcomes')).body.outcomes).toHaveLength(2);
    const first = await createSender();
    const second = await createSender();
    const state = async (id: string) => (await call('GET', `${senders()}/${id}`, { auth })).body;
    await eventually(async () => ((await state(second.id)).state === 'ACTIVE' ? true : undefined));
    expect((await state(first.id)).changes.errorCode).toBe('UNKNOWN_ERROR');
  });

  it('only calls webhooks of its own project that subscribed to the event', async () => {
    await registerWebhook(['WHATSAPP_SENDER_ERROR'], project(), '/error-only');
    await registerWebhook(['ALL'], project(), '/all');
    const { subprojectId } = (
      await call('POST', `${fake.urls.subprojects}/v1/projects/${project()}/subprojects`, {
        auth,
        body: { displayName: 'Other customer' },
      })
    ).body;
    await registerWebhook(['ALL'], subprojectId, '/other-project');
    await createSender();
    await eventually(() => receiver.deliveries.find((d) => d.path === '/all'));
    await sleep(50);
    expect(receiver.deliveries.map((d) => d.path)).toEqual(['/all']);
  });

  it('retries a callback the receiver answers with 500', async () => {
    await registerWebhook(['ALL']);
    receiver.respondWith(500);
    await createSender();
    await eventually(() => callbacks('WHATSAPP_SENDER_ACTIVE')[1]);
    const [first, second] = callbacks('WHATSAPP_SENDER_ACTIVE');
    expect(first?.rawBody).toBe(second?.rawBody);
    expect(first?.headers['x-sinch-webhook-signature-nonce']).not.toBe(
      second?.headers['x-sinch-webhook-signature-nonce'],
    );
    const outbound = (await control(fake, 'GET', '/journal?upstream=provisioning')).body.entries
      .filter((e: Loose) => e.direction === 'outbound')
      .map((e: Loose) => [e.kind, e.attempt, e.status]);
    expect(outbound).toEqual([
      ['provisioning_callback', 1, 500],
      ['provisioning_callback', 2, 200],
    ]);
  });

  it('refuses a phone number id a live sender already uses, in any project', async () => {
    const body = esBody();
    const holder = await createSender(body);
    const again = await call('POST', senders(), { auth, body });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      errorCode: 'used_phone_number_id',
      additionalInformation: { senderId: holder.id, projectId: project() },
    });
    const { subprojectId } = (
      await call('POST', `${fake.urls.subprojects}/v1/projects/${project()}/subprojects`, {
        auth,
        body: { displayName: 'Elsewhere' },
      })
    ).body;
    expect((await call('POST', senders(subprojectId), { auth, body })).status).toBe(409);

    expect((await call('DELETE', `${senders()}/${holder.id}`, { auth })).status).toBe(204);
    expect((await call('POST', senders(), { auth, body })).status).toBe(201);
  });

  it('verifies an authenticationCode as Meta would: one issued for these ids, once, while it lives', async () => {
    const issue = async (ids: Record<string, string> = {}) =>
      (await control(fake, 'POST', '/meta/codes', ids)).body as {
        code: string;
        wabaId: string;
        phoneNumberId: string;
      };
    const refusal = async (body: Record<string, string>) => {
      const answer = await call('POST', senders(), { auth, body });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ errorCode: 'invalid_facebook_token' });
      return answer.body.message as string;
    };

    const good = await issue();
    const ids = { wabaId: good.wabaId, phoneNumberId: good.phoneNumberId };
    const sender = await createSender({ ...ids, authenticationCode: good.code });
    expect(sender.id).toBeTruthy();

    expect(await refusal(esBody({ authenticationCode: 'made-up' }))).toMatch(/not valid/);
    const forOthers = await issue();
    expect(await refusal(esBody({ authenticationCode: forOthers.code }))).toMatch(
      /not issued for this WABA/,
    );
    // Used once already: refused even once the number is free again.
    expect((await call('DELETE', `${senders()}/${sender.id}`, { auth })).status).toBe(204);
    expect(await refusal({ ...ids, authenticationCode: good.code })).toMatch(/already been used/);

    await control(fake, 'PATCH', '/config', { metaCodeTtlMs: 1 });
    const stale = await issue();
    await sleep(5);
    expect(
      await refusal({
        wabaId: stale.wabaId,
        phoneNumberId: stale.phoneNumberId,
        authenticationCode: stale.code,
      }),
    ).toMatch(/expired/);
    await control(fake, 'PATCH', '/config', { metaCodeTtlMs: 30_000 });
    // None of the refusals made a sender.
    const listed = (await call('GET', senders(), { auth })).body.senders as { state: string }[];
    expect(listed.filter((s) => s.state !== 'INACTIVE')).toEqual([]);
  });

  it('creates one sender when the same phone number is sent twice at once', async () => {
    const body = esBody();
    const answers = await Promise.all([
      call('POST', senders(), { auth, body }),
      call('POST', senders(), { auth, body }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
  });

  it('is deleted once: INACTIVE with a callback, then 409 sender_already_deleted', async () => {
    await registerWebhook(['WHATSAPP_SENDER_INACTIVE']);
    const sender = await createSender();
    const deleted = await call('DELETE', `${senders()}/${sender.id}`, { auth });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await call('GET', `${senders()}/${sender.id}`, { auth })).body.state).toBe('INACTIVE');
    await eventually(() => callbacks('WHATSAPP_SENDER_INACTIVE')[0]);
    const again = await call('DELETE', `${senders()}/${sender.id}`, { auth });
    expect(again.status).toBe(409);
    expect(again.body.errorCode).toBe('sender_already_deleted');
    // The deletion cancelled the pending activation.
    await sleep(80);
    expect((await call('GET', `${senders()}/${sender.id}`, { auth })).body.state).toBe('INACTIVE');
  });

  it('answers sender_not_found for an unknown sender or one of another project', async () => {
    const sender = await createSender();
    const { subprojectId } = (
      await call('POST', `${fake.urls.subprojects}/v1/projects/${project()}/subprojects`, {
        auth,
        body: { displayName: 'Other' },
      })
    ).body;
    for (const url of [
      `${senders()}/cf11794a-6a5e-4a12-b103-da79bd378bf1`,
      `${senders(subprojectId)}/${sender.id}`,
    ]) {
      const answer = await call('GET', url, { auth });
      expect(answer.status).toBe(404);
      expect(answer.body.errorCode).toBe('sender_not_found');
    }
  });

  it('can be forced into another state through the controls', async () => {
    await registerWebhook(['ALL']);
    const sender = await createSender();
    const forced = await control(fake, 'POST', `/sinch/senders/${sender.id}/state`, {
      state: 'SUSPENDED',
    });
    expect(forced.body.sender.state).toBe('SUSPENDED');
    await sleep(80);
    expect((await call('GET', `${senders()}/${sender.id}`, { auth })).body.state).toBe('SUSPENDED');
    expect(receiver.deliveries).toEqual([]);
  });
});

describe('the sender list', () => {
  it('pages, counts and filters by state (repeated or comma-separated)', async () => {
    await control(fake, 'POST', '/sinch/sender-outcomes', { state: 'ACTIVE', afterMs: 0 });
    const active = await createSender();
    await control(fake, 'POST', '/sinch/sender-outcomes', { state: 'ERROR', afterMs: 0 });
    const failed = await createSender();
    await control(fake, 'PATCH', '/config', { senderActivationMs: 60_000 });
    try {
      const pending = await createSender();
      await eventually(async () =>
        (await call('GET', `${senders()}/${failed.id}`, { auth })).body.state === 'ERROR'
          ? true
          : undefined,
      );
      const all = senderListSchema.parse((await call('GET', senders(), { auth })).body);
      expect(all).toMatchObject({ totalSize: 3, pageSize: 50 });
      expect(all.nextPageToken).toBeUndefined();

      const first = senderListSchema.parse(
        (await call('GET', `${senders()}?pageSize=2`, { auth })).body,
      );
      expect(first.senders.map((s) => s.id)).toEqual([active.id, failed.id]);
      const second = senderListSchema.parse(
        (await call('GET', `${senders()}?pageSize=2&pageToken=${first.nextPageToken}`, { auth }))
          .body,
      );
      expect(second.senders.map((s) => s.id)).toEqual([pending.id]);
      expect(second.totalSize).toBe(3);

      const ids = async (query: string) =>
        (await call('GET', `${senders()}?${query}`, { auth })).body.senders.map(
          (s: { id: string }) => s.id,
        );
      expect(await ids('filterStates=ACTIVE')).toEqual([active.id]);
      expect(await ids('filterStates=ACTIVE&filterStates=ERROR')).toEqual([active.id, failed.id]);
      expect(await ids('filterStates=ERROR,IN_PROGRESS')).toEqual([failed.id, pending.id]);
    } finally {
      await control(fake, 'PATCH', '/config', { senderActivationMs: 50 });
    }
  });

  it('refuses a page size outside 1..100, a forged token and an unknown state', async () => {
    for (const size of ['0', '101', 'ten']) {
      const answer = await call('GET', `${senders()}?pageSize=${size}`, { auth });
      expect(answer.status).toBe(400);
      expect(answer.body.errorCode).toBe('invalid_page_size');
    }
    const token = await call('GET', `${senders()}?pageToken=forged`, { auth });
    expect(token.body.errorCode).toBe('invalid_page_token');
    const state = await call('GET', `${senders()}?filterStates=SLEEPING`, { auth });
    expect(state.status).toBe(400);
    expect(state.body.errorCode).toBe('invalid_input');
  });
});

describe('provisioning webhooks', () => {
  it('registers a webhook without ever echoing its secret', async () => {
    const created = await registerWebhook(['WHATSAPP_SENDER_ACTIVE']);
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      projectId: project(),
      target: `${receiver.url}/papi`,
      triggers: ['WHATSAPP_SENDER_ACTIVE'],
    });
    const read = await call('GET', `${webhooks()}/${created.id}`, { auth });
    expect(read.body).toEqual(created);
    expect(JSON.stringify((await call('GET', webhooks(), { auth })).body)).not.toContain(secret);
  });

  it('refuses an invalid body, the same target twice and a sixteenth webhook', async () => {
    const invalid = await call('POST', webhooks(), {
      auth,
      body: { target: 'not a url', secret, triggers: ['ALL', 'WHATSAPP_SENDER_ACTIVE'] },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errorCode).toBe('invalid_input');
    expect(invalid.body.additionalInformation.validationErrors).toHaveLength(2);

    await registerWebhook(['ALL'], project(), '/hook-01');
    const duplicate = await call('POST', webhooks(), {
      auth,
      body: { target: `${receiver.url}/hook-01`, secret, triggers: ['ALL'] },
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.errorCode).toBe('webhook_exists');

    for (let i = 2; i <= 15; i++) {
      await registerWebhook(['ALL'], project(), `/hook-${String(i).padStart(2, '0')}`);
    }
    const sixteenth = await call('POST', webhooks(), {
      auth,
      body: { target: `${receiver.url}/hook-16`, secret, triggers: ['ALL'] },
    });
    expect(sixteenth.status).toBe(424);
    expect(sixteenth.body.errorCode).toBe('webhook_limit_reached');
  });

  it('lists alphabetically by target, paged by at most 15', async () => {
    for (const path of ['/c', '/a', '/b']) await registerWebhook(['ALL'], project(), path);
    const list = provisioningWebhookListSchema.parse(
      (await call('GET', `${webhooks()}?pageSize=2`, { auth })).body,
    );
    expect(list.totalSize).toBe(3);
    expect(list.webhooks.map((w) => w.target)).toEqual([`${receiver.url}/a`, `${receiver.url}/b`]);
    const rest = (
      await call('GET', `${webhooks()}?pageToken=${list.nextPageToken}&pageSize=2`, { auth })
    ).body;
    expect(rest.webhooks.map((w: { target: string }) => w.target)).toEqual([`${receiver.url}/c`]);
    expect((await call('GET', `${webhooks()}?pageSize=16`, { auth })).body.errorCode).toBe(
      'invalid_page_size',
    );
  });

  it('deletes with 204, then answers 404; a malformed id is invalid_id_format', async () => {
    const { id } = await registerWebhook();
    expect((await call('DELETE', `${webhooks()}/${id}`, { auth })).status).toBe(204);
    expect((await call('DELETE', `${webhooks()}/${id}`, { auth })).status).toBe(404);
    expect((await call('GET', `${webhooks()}/${id}`, { auth })).status).toBe(404);
    const malformed = await call('GET', `${webhooks()}/not-an-id`, { auth });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errorCode).toBe('invalid_id_format');
  });
});
