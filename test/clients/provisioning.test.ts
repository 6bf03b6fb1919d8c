import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/upstreams/errors.ts';
import {
  type CreateSenderRequest,
  provisioningCallbackSchema,
  SENDER_STATE_TRIGGERS,
} from '../../src/upstreams/sinch/contract.ts';
import { verifyCallback } from '../../src/upstreams/sinch/signature.ts';
import { sinchClients } from '../support/clients.ts';
import { fastTuning, type Sandbox, startSandbox } from '../support/fake.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { upstreamFailure } from '../support/upstream-error.ts';
import { MISSED, withWindow } from '../support/windows.ts';

let sandbox: Sandbox;
let receiver: Receiver;
let clients: ReturnType<typeof sinchClients>;
const tuning = fastTuning();
const secret = 'provisioning-callback-secret';

beforeAll(async () => {
  sandbox = await startSandbox({ senderActivationMs: 60_000, callbackRetryDelaysMs: [20, 50] });
  receiver = await startReceiver();
  clients = sinchClients(sandbox, tuning);
});
afterAll(async () => {
  await tuning.pools.close();
  await receiver.close();
  await sandbox.close();
});
beforeEach(async () => {
  await sandbox.reset();
  receiver.deliveries.length = 0;
});

let phone = 100000000000000;
const esBody = (overrides: Partial<CreateSenderRequest> = {}): CreateSenderRequest => ({
  wabaId: '524126980791429',
  phoneNumberId: String(++phone),
  region: 'EU',
  metaLocalStorage: 'DE',
  ...overrides,
});

async function customerProject() {
  const { subprojectId } = await clients.subprojects.create({ displayName: 'Customer' });
  await clients.provisioning.createWebhook(subprojectId, {
    target: `${receiver.url}/webhooks/sinch/provisioning`,
    secret,
    triggers: [...SENDER_STATE_TRIGGERS],
  });
  return subprojectId;
}

describe('Sinch WhatsApp senders', () => {
  it('creates a sender that is in progress and has no bearer token yet', async () => {
    const project = await customerProject();
    // With the customer's Embedded Signup code, which the fake verifies as Meta would.
    const issued = await sandbox.control<{ code: string; wabaId: string; phoneNumberId: string }>(
      'POST',
      '/meta/codes',
      {},
    );
    const sender = await clients.provisioning.createSender(
      project,
      esBody({
        wabaId: issued.wabaId,
        phoneNumberId: issued.phoneNumberId,
        authenticationCode: issued.code,
      }),
    );
    expect(sender.state).toBeUndefined();
    expect(sender.changes?.status).toBe('IN_PROGRESS');
    expect(sender.bearerToken).toBeUndefined();
    expect(sender).toMatchObject({
      region: 'EU',
      metaLocalStorage: 'DE',
      compatibleRegions: ['eu', 'us'],
    });
    const read = await clients.provisioning.getSender(project, sender.id);
    expect(read.state).toBe('IN_PROGRESS');
    expect(read.bearerToken).toBeUndefined();
  });

  it('announces activation with a signed callback carrying the bearer token', async () => {
    const project = await customerProject();
    await sandbox.scriptSender({ state: 'ACTIVE', afterMs: 30 });
    const sender = await clients.provisioning.createSender(project, esBody());

    const delivery = await receiver.waitFor(
      (d) => (d.json as { type?: string })?.type === 'WHATSAPP_SENDER_ACTIVE',
    );
    expect(
      await verifyCallback({ secret, rawBody: delivery.rawBody, headers: delivery.headers }),
    ).toMatchObject({
      ok: true,
    });
    const callback = provisioningCallbackSchema.parse(delivery.json);
    expect(callback.payload).toMatchObject({ id: sender.id, state: 'ACTIVE' });
    expect(callback.payload.bearerToken).toBeTruthy();

    const read = await clients.provisioning.getSender(project, sender.id);
    expect(read.state).toBe('ACTIVE');
    expect(read.bearerToken).toBe(callback.payload.bearerToken);
    expect(read.changes ?? undefined).toBeUndefined();
  });

  it('reports a scripted failure as ERROR with its error code, by callback and on read', async () => {
    const project = await customerProject();
    await sandbox.scriptSender({ state: 'ERROR', afterMs: 10, errorCode: 'NO_PRICING_PLAN' });
    const sender = await clients.provisioning.createSender(project, esBody());
    const delivery = await receiver.waitFor(
      (d) => (d.json as { type?: string })?.type === 'WHATSAPP_SENDER_ERROR',
    );
    expect(provisioningCallbackSchema.parse(delivery.json).payload.changes).toMatchObject({
      status: 'ERROR',
      errorCode: 'NO_PRICING_PLAN',
    });
    const read = await clients.provisioning.getSender(project, sender.id);
    expect(read).toMatchObject({ state: 'ERROR', changes: { errorCode: 'NO_PRICING_PLAN' } });
    expect(read.bearerToken).toBeUndefined();
  });

  it('refuses a second sender for a phone number already in use with 409 used_phone_number_id', async () => {
    const project = await customerProject();
    const body = esBody();
    await clients.provisioning.createSender(project, body);
    const error = await upstreamFailure(clients.provisioning.createSender(project, body));
    expect(error).toMatchObject({
      kind: 'conflict',
      status: 409,
      code: 'used_phone_number_id',
      retryable: false,
    });
    expect((await clients.provisioning.listSenders(project)).senders).toHaveLength(1);
  });

  it('refuses an invalid body and a business manager that does not fit the region', async () => {
    const project = await customerProject();
    const missing = await upstreamFailure(
      clients.provisioning.createSender(project, { phoneNumberId: '1' } as CreateSenderRequest),
    );
    expect(missing).toMatchObject({ kind: 'invalid_request', code: 'invalid_input' });
    const wrongManager = await upstreamFailure(
      clients.provisioning.createSender(
        project,
        esBody({ region: 'EU', businessManager: 'SINCH_BR' }),
      ),
    );
    expect(wrongManager).toMatchObject({
      kind: 'invalid_request',
      code: 'invalid_business_manager',
    });
  });

  it('lists senders filtered by state and deletes one, refusing a second delete', async () => {
    const project = await customerProject();
    await sandbox.scriptSender({ state: 'ACTIVE', afterMs: 0 });
    const active = await clients.provisioning.createSender(project, esBody());
    await receiver.waitFor((d) => (d.json as { type?: string })?.type === 'WHATSAPP_SENDER_ACTIVE');
    await clients.provisioning.createSender(project, esBody());

    const all = await clients.provisioning.listSenders(project);
    expect(all.totalSize).toBe(2);
    const onlyActive = await clients.provisioning.listSenders(project, { states: ['ACTIVE'] });
    expect(onlyActive.senders.map((s) => s.id)).toEqual([active.id]);

    await clients.provisioning.deleteSender(project, active.id);
    expect((await clients.provisioning.getSender(project, active.id)).state).toBe('INACTIVE');
    const again = await upstreamFailure(clients.provisioning.deleteSender(project, active.id));
    expect(again).toMatchObject({ kind: 'conflict', code: 'sender_already_deleted' });
  });

  it('lists every sender across pages', async () => {
    const project = await customerProject();
    const made = [];
    for (let i = 0; i < 5; i++)
      made.push(await clients.provisioning.createSender(project, esBody()));
    const listed = [];
    for await (const s of clients.provisioning.listAllSenders(project, { pageSize: 2 })) {
      listed.push(s.id);
    }
    expect(listed.sort()).toEqual(made.map((s) => s.id).sort());
  });

  it('reports a create answered with a broken body after it committed as an unknown outcome', async () => {
    const project = await customerProject();
    await sandbox.fault({
      upstream: 'provisioning',
      method: 'POST',
      path: '/v1/projects/*/whatsapp/senders',
      kind: 'malformed',
      after: 'commit',
    });
    const error = await upstreamFailure(clients.provisioning.createSender(project, esBody()));
    expect(error).toMatchObject({
      kind: 'bad_response',
      outcomeUnknown: true,
      retryable: true,
      attempts: 1,
    });
    // A sender carries no phone number id; the customer's subproject holds only its own.
    const found = [];
    for await (const s of clients.provisioning.listAllSenders(project)) found.push(s);
    expect(found.map((s) => s.changes?.status)).toEqual(['IN_PROGRESS']);
  });

  it('maps an unknown sender to not_found with sender_not_found', async () => {
    const project = await customerProject();
    const error = await upstreamFailure(
      clients.provisioning.getSender(project, 'cf11794a-6a5e-4a12-b103-da79bd378bf1'),
    );
    expect(error).toMatchObject({ kind: 'not_found', code: 'sender_not_found' });
  });
});

describe('Sinch provisioning webhooks', () => {
  it('registers, lists and deletes a webhook without ever echoing its secret', async () => {
    const project = await customerProject();
    const list = await clients.provisioning.listWebhooks(project);
    expect(list.webhooks).toHaveLength(1);
    expect(list.webhooks[0]).toMatchObject({
      target: `${receiver.url}/webhooks/sinch/provisioning`,
    });
    expect(JSON.stringify(list)).not.toContain(secret);
    await clients.provisioning.deleteWebhook(project, list.webhooks[0]!.id);
    expect((await clients.provisioning.listWebhooks(project)).webhooks).toEqual([]);
  });

  it('lists every webhook across pages, and deletes one', async () => {
    const project = await customerProject();
    for (let i = 2; i <= 5; i++) {
      await clients.provisioning.createWebhook(project, {
        target: `${receiver.url}/hook-${i}`,
        secret,
        triggers: ['WHATSAPP_SENDER_ACTIVE'],
      });
    }
    const targets = async () => {
      const all = [];
      for await (const w of clients.provisioning.listAllWebhooks(project, { pageSize: 2 })) {
        all.push(w);
      }
      return all;
    };
    const listed = await targets();
    expect(listed).toHaveLength(5);
    const doomed = listed.find((w) => w.target.endsWith('/hook-3'))!;
    await clients.provisioning.deleteWebhook(project, doomed.id);
    expect((await targets()).map((w) => w.id)).not.toContain(doomed.id);
    expect(await targets()).toHaveLength(4);
  });

  it('reports a registration answered with a broken body after it committed as an unknown outcome', async () => {
    const { subprojectId: project } = await clients.subprojects.create({ displayName: 'Customer' });
    await sandbox.fault({
      upstream: 'provisioning',
      method: 'POST',
      path: '/v1/projects/*/webhooks',
      kind: 'malformed',
      after: 'commit',
    });
    const target = `${receiver.url}/webhooks/sinch/provisioning`;
    const error = await upstreamFailure(
      clients.provisioning.createWebhook(project, { target, secret, triggers: ['ALL'] }),
    );
    expect(error).toMatchObject({ kind: 'bad_response', outcomeUnknown: true, retryable: true });
    const found = [];
    for await (const w of clients.provisioning.listAllWebhooks(project)) found.push(w.target);
    expect(found).toEqual([target]);
  });

  it('refuses the same target twice with 409 webhook_exists', async () => {
    const project = await customerProject();
    const error = await upstreamFailure(
      clients.provisioning.createWebhook(project, {
        target: `${receiver.url}/webhooks/sinch/provisioning`,
        secret,
        triggers: ['ALL'],
      }),
    );
    expect(error).toMatchObject({ kind: 'conflict', status: 409, code: 'webhook_exists' });
  });

  it('refuses a sixteenth webhook with 424 webhook_limit_reached', async () => {
    const project = await customerProject();
    for (let i = 2; i <= 15; i++) {
      await clients.provisioning.createWebhook(project, {
        target: `${receiver.url}/hook-${i}`,
        secret,
        triggers: ['WHATSAPP_SENDER_ACTIVE'],
      });
    }
    const error = await upstreamFailure(
      clients.provisioning.createWebhook(project, {
        target: `${receiver.url}/hook-16`,
        secret,
        triggers: ['WHATSAPP_SENDER_ACTIVE'],
      }),
    );
    expect(error).toMatchObject({ kind: 'conflict', status: 424, code: 'webhook_limit_reached' });
  });
});

describe('a subproject that is not usable yet', () => {
  it('answers project_not_found until it has warmed up, then works', async () => {
    // The early call must land within the warm-up: a machine too slow for that tries again with a
    // longer one.
    await withWindow(300, 9_600, async (warmupMs) => {
      await sandbox.control('PATCH', '/config', { subprojectWarmupMs: warmupMs });
      try {
        const requested = Date.now();
        const { subprojectId } = await clients.subprojects.create({ displayName: 'Fresh' });
        const created = Date.now();
        const early = await clients.provisioning.listSenders(subprojectId).then(
          () => undefined,
          (error: unknown) => error,
        );
        if (early === undefined && Date.now() >= requested + warmupMs) return MISSED;
        expect(early).toBeInstanceOf(UpstreamError);
        expect(early).toMatchObject({ kind: 'not_found', code: 'project_not_found' });
        await new Promise((r) => setTimeout(r, created + warmupMs + 50 - Date.now()));
        expect((await clients.provisioning.listSenders(subprojectId)).senders).toEqual([]);
      } finally {
        await sandbox.control('PATCH', '/config', { subprojectWarmupMs: 0 });
      }
    });
  });
});
