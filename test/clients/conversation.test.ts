import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APP_WEBHOOK_TRIGGERS, type SenderRegion } from '../../src/upstreams/sinch/contract.ts';
import { sinchClients } from '../support/clients.ts';
import { fastTuning, type Sandbox, startSandbox } from '../support/fake.ts';
import { upstreamFailure } from '../support/upstream-error.ts';
import { until } from '../support/windows.ts';

let sandbox: Sandbox;
let clients: ReturnType<typeof sinchClients>;
const tuning = fastTuning();

beforeAll(async () => {
  sandbox = await startSandbox({ senderActivationMs: 0 });
  clients = sinchClients(sandbox, tuning);
});
afterAll(async () => {
  await tuning.pools.close();
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

let phone = 300000000000000;

/** A customer subproject with an ACTIVE sender in the given region, as the onboarding leaves it. */
async function activeSender(region: SenderRegion) {
  const { subprojectId } = await clients.subprojects.create({ displayName: `Customer ${region}` });
  const created = await clients.provisioning.createSender(subprojectId, {
    wabaId: '524126980791429',
    phoneNumberId: String(++phone),
    region,
  });
  const sender = await until(async () => {
    const now = await clients.provisioning.getSender(subprojectId, created.id);
    return now.state === 'ACTIVE' && now.bearerToken ? now : undefined;
  });
  return { project: subprojectId, sender: { ...sender, bearerToken: sender.bearerToken! } };
}

const whatsapp = (sender: { id: string; bearerToken: string }) => ({
  display_name: 'Customer app',
  channel_credentials: [
    {
      channel: 'WHATSAPP' as const,
      static_bearer: { claimed_identity: sender.id, token: sender.bearerToken },
    },
  ],
});

describe('Conversation API apps', () => {
  it('creates an app whose WhatsApp credential is active, visible only on its own region', async () => {
    const { project, sender } = await activeSender('EU');
    const app = await clients.conversation.createApp('eu', project, whatsapp(sender));
    expect(app.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(app.channel_credentials[0]?.state?.status).toBe('ACTIVE');

    expect((await clients.conversation.getApp('eu', project, app.id)).id).toBe(app.id);
    expect((await clients.conversation.listApps('eu', project)).map((a) => a.id)).toEqual([app.id]);
    const elsewhere = await upstreamFailure(clients.conversation.getApp('us', project, app.id));
    expect(elsewhere).toMatchObject({ kind: 'not_found', status: 404 });
    expect(await clients.conversation.listApps('us', project)).toEqual([]);
  });

  it('refuses an app in a region the sender is not compatible with', async () => {
    const { project, sender } = await activeSender('BR');
    const error = await upstreamFailure(
      clients.conversation.createApp('eu', project, whatsapp(sender)),
    );
    expect(error).toMatchObject({ kind: 'invalid_request', status: 400, code: 'INVALID_ARGUMENT' });
    expect(error.upstreamMessage).toMatch(/region/i);
  });

  it('marks a credential with the wrong token as failing', async () => {
    const { project, sender } = await activeSender('US');
    const app = await clients.conversation.createApp(
      'us',
      project,
      whatsapp({ ...sender, bearerToken: 'wrong' }),
    );
    expect(app.channel_credentials[0]?.state?.status).toBe('FAILING');
  });

  it('attaches another sender to the app by sending the full credential list', async () => {
    const first = await activeSender('EU');
    const app = await clients.conversation.createApp('eu', first.project, whatsapp(first.sender));
    const created = await clients.provisioning.createSender(first.project, {
      wabaId: '524126980791429',
      phoneNumberId: String(++phone),
      region: 'EU',
    });
    const second = await until(async () => {
      const now = await clients.provisioning.getSender(first.project, created.id);
      return now.state === 'ACTIVE' && now.bearerToken ? now : undefined;
    });
    const both = [
      ...whatsapp(first.sender).channel_credentials,
      ...whatsapp({ id: second.id, bearerToken: second.bearerToken! }).channel_credentials,
    ];

    const updated = await clients.conversation.updateApp('eu', first.project, app.id, {
      channel_credentials: both,
    });
    expect(updated.id).toBe(app.id);
    expect(
      updated.channel_credentials.map((c) => [c.static_bearer?.claimed_identity, c.state?.status]),
    ).toEqual([
      [first.sender.id, 'ACTIVE'],
      [second.id, 'ACTIVE'],
    ]);
    const read = await clients.conversation.getApp('eu', first.project, app.id);
    expect(read.channel_credentials).toHaveLength(2);
    expect(read.display_name).toBe('Customer app');
  });

  it('reports an update of an unknown app as not found, and a bad list as an invalid request', async () => {
    const { project, sender } = await activeSender('US');
    const missing = await upstreamFailure(
      clients.conversation.updateApp('us', project, '01EB37HMH1M6SV18ABNS3G135H', {
        channel_credentials: whatsapp(sender).channel_credentials,
      }),
    );
    expect(missing).toMatchObject({ kind: 'not_found', status: 404 });
    const app = await clients.conversation.createApp('us', project, whatsapp(sender));
    const empty = await upstreamFailure(
      clients.conversation.updateApp('us', project, app.id, { channel_credentials: [] }),
    );
    expect(empty).toMatchObject({ kind: 'invalid_request', status: 400, code: 'INVALID_ARGUMENT' });
  });

  it('deletes an app', async () => {
    const { project, sender } = await activeSender('US');
    const app = await clients.conversation.createApp('us', project, whatsapp(sender));
    await clients.conversation.deleteApp('us', project, app.id);
    expect(await clients.conversation.listApps('us', project)).toEqual([]);
  });

  it('reports a create answered with a broken body after it committed as an unknown outcome', async () => {
    const { project, sender } = await activeSender('EU');
    await sandbox.fault({
      upstream: 'conversation',
      method: 'POST',
      path: '/v1/projects/*/apps',
      kind: 'malformed',
      after: 'commit',
    });
    const error = await upstreamFailure(
      clients.conversation.createApp('eu', project, whatsapp(sender)),
    );
    expect(error).toMatchObject({
      kind: 'bad_response',
      outcomeUnknown: true,
      retryable: true,
      attempts: 1,
    });
    const apps = await clients.conversation.listApps('eu', project);
    expect(apps.map((a) => a.channel_credentials[0]?.static_bearer?.claimed_identity)).toEqual([
      sender.id,
    ]);
  });

  it('repeats a create turned away with 429, ending with exactly one app', async () => {
    const { project, sender } = await activeSender('EU');
    await sandbox.fault({
      upstream: 'conversation',
      method: 'POST',
      path: '/v1/projects/*/apps',
      kind: 'status',
      status: 429,
      retryAfter: 0,
      times: 1,
    });
    await clients.conversation.createApp('eu', project, whatsapp(sender));
    expect(await clients.conversation.listApps('eu', project)).toHaveLength(1);
  });
});

describe('Conversation API app webhooks', () => {
  it('registers the delivery and inbound webhook, lists it per app without the secret, deletes it', async () => {
    const { project, sender } = await activeSender('EU');
    const app = await clients.conversation.createApp('eu', project, whatsapp(sender));
    const webhook = await clients.conversation.createWebhook('eu', project, {
      app_id: app.id,
      target: 'https://vendor.example/webhooks/sinch/conversation',
      target_type: 'HTTP',
      triggers: [...APP_WEBHOOK_TRIGGERS],
      secret: 'conversation-signing-secret',
    });
    expect(webhook).toMatchObject({
      app_id: app.id,
      triggers: ['MESSAGE_DELIVERY', 'MESSAGE_INBOUND'],
    });
    const listed = await clients.conversation.listAppWebhooks('eu', project, app.id);
    expect(listed.map((w) => w.id)).toEqual([webhook.id]);
    expect(JSON.stringify(listed)).not.toContain('conversation-signing-secret');
    await clients.conversation.deleteWebhook('eu', project, webhook.id);
    expect(await clients.conversation.listAppWebhooks('eu', project, app.id)).toEqual([]);
  });

  it('reports a registration answered with a broken body after it committed as an unknown outcome', async () => {
    const { project, sender } = await activeSender('EU');
    const app = await clients.conversation.createApp('eu', project, whatsapp(sender));
    await sandbox.fault({
      upstream: 'conversation',
      method: 'POST',
      path: '/v1/projects/*/webhooks',
      kind: 'malformed',
      after: 'commit',
    });
    const target = 'https://vendor.example/webhooks/sinch/conversation';
    const error = await upstreamFailure(
      clients.conversation.createWebhook('eu', project, {
        app_id: app.id,
        target,
        triggers: [...APP_WEBHOOK_TRIGGERS],
      }),
    );
    expect(error).toMatchObject({ kind: 'bad_response', outcomeUnknown: true, retryable: true });
    const listed = await clients.conversation.listAppWebhooks('eu', project, app.id);
    expect(listed.map((w) => w.target)).toEqual([target]);
  });

  it('refuses a duplicate target, a sixth webhook and UNSPECIFIED_TRIGGER with INVALID_ARGUMENT', async () => {
    const { project, sender } = await activeSender('EU');
    const app = await clients.conversation.createApp('eu', project, whatsapp(sender));
    const hook = (n: number) => ({
      app_id: app.id,
      target: `https://vendor.example/hook/${n}`,
      triggers: ['MESSAGE_INBOUND'],
    });
    for (let n = 1; n <= 5; n++) await clients.conversation.createWebhook('eu', project, hook(n));

    const duplicate = await upstreamFailure(
      clients.conversation.createWebhook('eu', project, hook(1)),
    );
    expect(duplicate).toMatchObject({ kind: 'invalid_request', code: 'INVALID_ARGUMENT' });
    const sixth = await upstreamFailure(clients.conversation.createWebhook('eu', project, hook(6)));
    expect(sixth).toMatchObject({ kind: 'invalid_request', code: 'INVALID_ARGUMENT' });
    const unspecified = await upstreamFailure(
      clients.conversation.createWebhook('eu', project, {
        ...hook(7),
        triggers: ['UNSPECIFIED_TRIGGER'],
      }),
    );
    expect(unspecified).toMatchObject({ kind: 'invalid_request', code: 'INVALID_ARGUMENT' });
  });

  it('refuses a webhook for an app id that is not a ULID', async () => {
    const { project } = await activeSender('EU');
    const error = await upstreamFailure(
      clients.conversation.createWebhook('eu', project, {
        app_id: 'not-a-ulid',
        target: 'https://x.example/h',
        triggers: ['MESSAGE_INBOUND'],
      }),
    );
    expect(error).toMatchObject({ kind: 'invalid_request', code: 'INVALID_ARGUMENT' });
  });
});
