import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeUpstreams } from '../../mocks/serve.ts';
import {
  appListSchema,
  appSchema,
  conversationWebhookListSchema,
  conversationWebhookSchema,
  rpcErrorBodySchema,
} from '../../src/upstreams/sinch/contract.ts';
import {
  basic,
  call,
  control,
  eventually,
  sandboxBasic,
  sinchToken,
  startFake,
} from './helpers.ts';

let fake: FakeUpstreams;
let auth: string;

beforeAll(async () => {
  fake = await startFake({ senderActivationMs: 0 });
});
afterAll(() => fake.close());
beforeEach(async () => {
  await control(fake, 'POST', '/reset');
  auth = `Bearer ${await sinchToken(fake)}`;
});

type Region = 'us' | 'eu' | 'br';
const apps = (region: Region, project: string) =>
  `${fake.urls.conversation[region]}/v1/projects/${project}/apps`;
const webhooks = (region: Region, project: string) =>
  `${fake.urls.conversation[region]}/v1/projects/${project}/webhooks`;

let phone = 400000000000000;

/** A customer subproject with an ACTIVE sender, as the onboarding leaves it. */
async function activeSender(region: 'US' | 'EU' | 'BR', project?: string) {
  const projectId =
    project ??
    (
      await call(
        'POST',
        `${fake.urls.subprojects}/v1/projects/${fake.credentials.sinchProjectId}/subprojects`,
        { auth, body: { displayName: `Customer ${region}` } },
      )
    ).body.subprojectId;
  const senders = `${fake.urls.provisioning}/v1/projects/${projectId}/whatsapp/senders`;
  const created = await call('POST', senders, {
    auth,
    body: { wabaId: '524126980791429', phoneNumberId: String(++phone), region },
  });
  const sender = await eventually(async () => {
    const read = (await call('GET', `${senders}/${created.body.id}`, { auth })).body;
    return read.state === 'ACTIVE' ? read : undefined;
  });
  return { project: projectId as string, sender: sender as { id: string; bearerToken: string } };
}

const whatsappApp = (claimed: string, token: string) => ({
  display_name: 'Customer app',
  channel_credentials: [
    { channel: 'WHATSAPP', static_bearer: { claimed_identity: claimed, token } },
  ],
});

describe('Conversation API apps', () => {
  it('refuses missing or bad credentials in its own error format, with a challenge', async () => {
    const project = fake.credentials.sinchProjectId;
    const refusals = [
      await call('GET', apps('eu', project)),
      await call('GET', apps('us', project), { auth: 'Bearer made-up-token' }),
      await call('POST', apps('br', project), {
        auth: basic(fake.credentials.sinchKeyId, 'nope'),
        body: whatsappApp('sender', 'token'),
      }),
    ];
    for (const answer of refusals) {
      expect(answer.status).toBe(401);
      expect(rpcErrorBodySchema.parse(answer.body).error).toMatchObject({
        code: 401,
        status: 'UNAUTHENTICATED',
        message: 'Request had invalid credentials.',
      });
      expect(answer.headers.get('www-authenticate')).toBe('Basic realm="Realm"');
    }
  });

  it('still reads a JSON body sent as text/plain (no evidence the real API refuses it)', async () => {
    const answer = await call('POST', apps('us', fake.credentials.sinchProjectId), {
      auth,
      headers: { 'content-type': 'text/plain' },
      body: { channel_credentials: [] },
    });
    // The body was read: the refusal names the missing field, not the media type.
    expect(answer.status).toBe(400);
    expect(rpcErrorBodySchema.parse(answer.body).error.message).toMatch(/display_name/);
  });

  it('refuses an invalid body with INVALID_ARGUMENT', async () => {
    const project = fake.credentials.sinchProjectId;
    for (const body of [
      { channel_credentials: [] },
      { display_name: 'x', channel_credentials: [{ channel: 'WHATSAPP', static_bearer: {} }] },
      { display_name: 'x', channel_credentials: [], processing_mode: 'BATCH' },
    ]) {
      const answer = await call('POST', apps('us', project), { auth, body });
      expect(answer.status).toBe(400);
      expect(answer.body.error.status).toBe('INVALID_ARGUMENT');
    }
  });

  it('creates an app whose WhatsApp credential is ACTIVE, with the documented defaults', async () => {
    const { project, sender } = await activeSender('EU');
    const answer = await call('POST', apps('eu', project), {
      auth,
      body: whatsappApp(sender.id, sender.bearerToken),
    });
    expect(answer.status).toBe(200);
    const app = appSchema.parse(answer.body);
    expect(app.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(answer.body).toMatchObject({
      display_name: 'Customer app',
      processing_mode: 'DISPATCH',
      rate_limits: { inbound: 25, outbound: 25, webhooks: 25 },
      channel_credentials: [
        {
          channel: 'WHATSAPP',
          static_bearer: { claimed_identity: sender.id },
          credential_ordinal_number: 0,
          state: { status: 'ACTIVE' },
        },
      ],
    });
  });

  it('accepts a sender of the parent project from a subproject', async () => {
    const parent = await activeSender('US', fake.credentials.sinchProjectId);
    const { project } = await activeSender('US');
    const app = await call('POST', apps('us', project), {
      auth,
      body: whatsappApp(parent.sender.id, parent.sender.bearerToken),
    });
    expect(app.body.channel_credentials[0].state.status).toBe('ACTIVE');
  });

  it('marks a wrong token, an unknown sender and a sender not yet active as FAILING', async () => {
    const { project, sender } = await activeSender('US');
    const wrongToken = await call('POST', apps('us', project), {
      auth,
      body: whatsappApp(sender.id, 'wrong'),
    });
    expect(wrongToken.body.channel_credentials[0].state).toEqual({
      status: 'FAILING',
      description: expect.stringMatching(/token/),
    });
    const unknown = await call('POST', apps('us', project), {
      auth,
      body: whatsappApp('cf11794a-6a5e-4a12-b103-da79bd378bf1', 'x'),
    });
    expect(unknown.body.channel_credentials[0].state.status).toBe('FAILING');

    await control(fake, 'PATCH', '/config', { senderActivationMs: 60_000 });
    try {
      const pending = await call(
        'POST',
        `${fake.urls.provisioning}/v1/projects/${project}/whatsapp/senders`,
        { auth, body: { wabaId: '1', phoneNumberId: String(++phone) } },
      );
      const app = await call('POST', apps('us', project), {
        auth,
        body: whatsappApp(pending.body.id, 'anything'),
      });
      expect(app.body.channel_credentials[0].state).toEqual({
        status: 'FAILING',
        description: expect.stringMatching(/IN_PROGRESS/),
      });
    } finally {
      await control(fake, 'PATCH', '/config', { senderActivationMs: 0 });
    }
  });

  it('refuses a sender in a region it is not compatible with', async () => {
    const { project, sender } = await activeSender('BR');
    const answer = await call('POST', apps('eu', project), {
      auth,
      body: whatsappApp(sender.id, sender.bearerToken),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.status).toBe('INVALID_ARGUMENT');
    expect(answer.body.error.message).toMatch(/not compatible with region eu/);
    expect(
      (
        await call('POST', apps('us', project), {
          auth,
          body: whatsappApp(sender.id, sender.bearerToken),
        })
      ).status,
    ).toBe(200);
  });

  it('shows an app only on the region host it was created on', async () => {
    const { project, sender } = await activeSender('EU');
    const { id } = (
      await call('POST', apps('eu', project), {
        auth,
        body: whatsappApp(sender.id, sender.bearerToken),
      })
    ).body;
    expect((await call('GET', `${apps('eu', project)}/${id}`, { auth })).status).toBe(200);
    expect(
      appListSchema.parse((await call('GET', apps('eu', project), { auth })).body).apps,
    ).toHaveLength(1);

    const elsewhere = await call('GET', `${apps('us', project)}/${id}`, { auth });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error.status).toBe('NOT_FOUND');
    expect((await call('GET', apps('us', project), { auth })).body).toEqual({ apps: [] });
    expect((await call('DELETE', `${apps('us', project)}/${id}`, { auth })).status).toBe(404);

    const deleted = await call('DELETE', `${apps('eu', project)}/${id}`, { auth });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({});
    expect((await call('GET', `${apps('eu', project)}/${id}`, { auth })).status).toBe(404);
  });

  it('answers 404 on a region that has no host', async () => {
    const answer = await call(
      'GET',
      `${fake.url}/sinch/conversation/apac/v1/projects/${fake.credentials.sinchProjectId}/apps`,
      { auth: sandboxBasic(fake) },
    );
    expect(answer.status).toBe(404);
    expect(answer.body.error.status).toBe('NOT_FOUND');
  });
});

describe('Conversation API webhooks', () => {
  async function appIn(region: Region) {
    const { project, sender } = await activeSender(
      region === 'br' ? 'BR' : region === 'eu' ? 'EU' : 'US',
    );
    const app = (
      await call('POST', apps(region, project), {
        auth,
        body: whatsappApp(sender.id, sender.bearerToken),
      })
    ).body;
    return { project, appId: app.id as string };
  }
  const hook = (appId: string, n: number, extra: Record<string, unknown> = {}) => ({
    app_id: appId,
    target: `https://vendor.example/hook/${n}`,
    triggers: ['MESSAGE_DELIVERY', 'MESSAGE_INBOUND'],
    ...extra,
  });

  it('registers a webhook without echoing its secret or client credentials', async () => {
    const { project, appId } = await appIn('eu');
    const answer = await call('POST', webhooks('eu', project), {
      auth,
      body: hook(appId, 1, {
        secret: 'conversation-signing-secret',
        client_credentials: {
          client_id: 'id',
          client_secret: 'oauth-secret',
          endpoint: 'https://x',
        },
      }),
    });
    expect(answer.status).toBe(200);
    const webhook = conversationWebhookSchema.parse(answer.body);
    expect(answer.body).toEqual({
      id: webhook.id,
      app_id: appId,
      target: 'https://vendor.example/hook/1',
      target_type: 'HTTP',
      triggers: ['MESSAGE_DELIVERY', 'MESSAGE_INBOUND'],
    });
    expect(webhook.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    const listed = conversationWebhookListSchema.parse(
      (await call('GET', `${apps('eu', project)}/${appId}/webhooks`, { auth })).body,
    );
    expect(listed.webhooks).toEqual([answer.body]);
    expect((await call('GET', `${webhooks('eu', project)}/${webhook.id}`, { auth })).body).toEqual(
      answer.body,
    );
  });

  it('allows five webhooks per app, one per target', async () => {
    const { project, appId } = await appIn('us');
    for (let n = 1; n <= 5; n++) {
      expect(
        (await call('POST', webhooks('us', project), { auth, body: hook(appId, n) })).status,
      ).toBe(200);
    }
    const duplicate = await call('POST', webhooks('us', project), { auth, body: hook(appId, 1) });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/already exists/),
    });
    const sixth = await call('POST', webhooks('us', project), { auth, body: hook(appId, 6) });
    expect(sixth.status).toBe(400);
    expect(sixth.body.error.message).toMatch(/at most 5/);
  });

  it('refuses a bad body, an unknown app, an app of another region and an unspecified trigger', async () => {
    const { project, appId } = await appIn('eu');
    const bodies = [
      hook('not-a-ulid', 1),
      hook(appId, 1, { triggers: [] }),
      hook(appId, 1, { triggers: ['UNSPECIFIED_TRIGGER'] }),
      hook(appId, 1, { target: 'https://conversation-api.eu.sinch.com/x' }),
      hook('01ARZ3NDEKTSV4RRFFQ69G5FAV', 1),
    ];
    for (const body of bodies) {
      const answer = await call('POST', webhooks('eu', project), { auth, body });
      expect(answer.status).toBe(400);
      expect(answer.body.error.status).toBe('INVALID_ARGUMENT');
    }
    const otherRegion = await call('POST', webhooks('us', project), { auth, body: hook(appId, 1) });
    expect(otherRegion.status).toBe(400);
  });

  it('deletes a webhook with 200 {}, and the app takes its webhooks with it', async () => {
    const { project, appId } = await appIn('br');
    const first = (await call('POST', webhooks('br', project), { auth, body: hook(appId, 1) }))
      .body;
    const second = (await call('POST', webhooks('br', project), { auth, body: hook(appId, 2) }))
      .body;
    const deleted = await call('DELETE', `${webhooks('br', project)}/${first.id}`, { auth });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({});
    expect((await call('GET', `${webhooks('br', project)}/${first.id}`, { auth })).status).toBe(
      404,
    );

    await call('DELETE', `${apps('br', project)}/${appId}`, { auth });
    expect((await call('GET', `${webhooks('br', project)}/${second.id}`, { auth })).status).toBe(
      404,
    );
    expect((await control(fake, 'GET', '/state')).body.counts.conversationWebhooks).toBe(0);
  });
});

describe('Conversation API app update (PATCH)', () => {
  const credential = (sender: { id: string }, token: string) => ({
    channel: 'WHATSAPP',
    static_bearer: { claimed_identity: sender.id, token },
  });

  /** The customer's app with its first sender, and a second sender in the same project. */
  async function appWithTwoSenders() {
    const first = await activeSender('EU');
    const second = await activeSender('EU', first.project);
    const created = await call('POST', apps('eu', first.project), {
      auth,
      body: whatsappApp(first.sender.id, first.sender.bearerToken),
    });
    return {
      project: first.project,
      first: first.sender,
      second: second.sender,
      app: `${apps('eu', first.project)}/${created.body.id}`,
    };
  }

  it('replaces the credential list and the display name, and GET shows the new app', async () => {
    const { app, first, second } = await appWithTwoSenders();
    const answer = await call('PATCH', app, {
      auth,
      body: {
        display_name: 'Customer app, two numbers',
        channel_credentials: [
          credential(first, first.bearerToken),
          credential(second, second.bearerToken),
        ],
      },
    });
    expect(answer.status).toBe(200);
    expect(appSchema.parse(answer.body).channel_credentials).toMatchObject([
      {
        static_bearer: { claimed_identity: first.id },
        credential_ordinal_number: 0,
        state: { status: 'ACTIVE' },
      },
      {
        static_bearer: { claimed_identity: second.id },
        credential_ordinal_number: 1,
        state: { status: 'ACTIVE' },
      },
    ]);
    expect((await call('GET', app, { auth })).body).toEqual(answer.body);

    // Fields sent replace: a list without the first sender drops it; an unsent name stays.
    const shorter = await call('PATCH', app, {
      auth,
      body: { channel_credentials: [credential(second, second.bearerToken)] },
    });
    expect(shorter.body.display_name).toBe('Customer app, two numbers');
    expect(
      shorter.body.channel_credentials.map(
        (c: { static_bearer: { claimed_identity: string } }) => c.static_bearer.claimed_identity,
      ),
    ).toEqual([second.id]);
  });

  it('answers 404 NOT_FOUND for an unknown app, or an app of another region', async () => {
    const { app, project, second } = await appWithTwoSenders();
    const body = { channel_credentials: [credential(second, second.bearerToken)] };
    const unknown = await call('PATCH', `${apps('eu', project)}/01EB37HMH1M6SV18ABNS3G135H`, {
      auth,
      body,
    });
    expect(unknown.status).toBe(404);
    expect(rpcErrorBodySchema.parse(unknown.body).error.status).toBe('NOT_FOUND');
    const id = app.split('/').pop();
    expect((await call('PATCH', `${apps('us', project)}/${id}`, { auth, body })).status).toBe(404);
  });

  it('refuses a bad body with 400 INVALID_ARGUMENT, naming the field, and leaves the app as it was', async () => {
    const { app, project, first } = await appWithTwoSenders();
    const before = (await call('GET', app, { auth })).body;
    for (const [body, field] of [
      [{ display_name: 'no list' }, /channel_credentials/],
      [{ channel_credentials: [] }, /channel_credentials/],
      [
        { channel_credentials: [{ channel: 'WHATSAPP', static_bearer: {} }] },
        /channel_credentials\.0/,
      ],
      ['{"channel_credentials": [', /JSON/],
    ] as const) {
      const answer = await call('PATCH', app, { auth, body });
      expect(answer.status).toBe(400);
      const { error } = rpcErrorBodySchema.parse(answer.body);
      expect(error.status).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(field);
    }
    // A sender that cannot work on this region's host is refused, as on create.
    const brazil = await activeSender('BR', project);
    const incompatible = await call('PATCH', app, {
      auth,
      body: {
        channel_credentials: [
          credential(first, first.bearerToken),
          credential(brazil.sender, brazil.sender.bearerToken),
        ],
      },
    });
    expect(incompatible.status).toBe(400);
    expect(incompatible.body.error.message).toMatch(/not compatible with region eu/);
    expect((await call('GET', app, { auth })).body).toEqual(before);
  });

  it('accepts a credential whose token does not match its sender, and shows it FAILING', async () => {
    const { app, first, second } = await appWithTwoSenders();
    const answer = await call('PATCH', app, {
      auth,
      body: {
        channel_credentials: [
          credential(first, first.bearerToken),
          credential(second, first.bearerToken),
        ],
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.channel_credentials[0].state).toEqual({ status: 'ACTIVE' });
    expect(answer.body.channel_credentials[1].state).toEqual({
      status: 'FAILING',
      description: expect.stringMatching(/token does not match/),
    });
  });
});
