// A fake given a state file (as the gateway's sandbox gives it one) keeps its records across a
// restart: links, tokens and senders still answer, a sender's activation and a callback the
// receiver had not yet acknowledged still happen, and ids drawn afterwards do not collide.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstreams } from '../../mocks/serve.ts';
import { senderSchema } from '../../src/upstreams/sinch/contract.ts';
import { verifyCallback } from '../../src/upstreams/sinch/signature.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { call, control, eventually, type Loose, sinchToken, startFake } from './helpers.ts';

let receiver: Receiver;
let dir: string;
const secret = 'state-file-callback-secret';

beforeAll(async () => {
  receiver = await startReceiver();
  dir = mkdtempSync(join(tmpdir(), 'fake-state-'));
});
afterAll(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

const senders = (fake: FakeUpstreams) =>
  `${fake.urls.provisioning}/v1/projects/${fake.credentials.sinchProjectId}/whatsapp/senders`;

async function onboard(fake: FakeUpstreams, clientIdentifier: string) {
  const answer = await call('POST', `${fake.urls.sendzen}/v1/partner/onboard`, {
    auth: `Bearer ${fake.credentials.sendzenPartnerKey}`,
    body: { client_identifier: clientIdentifier },
  });
  expect(answer.status).toBe(200);
  return answer.body as { iframe_url: string; user_data: { project_id: string; api_key: string } };
}

describe('a fake with a state file', () => {
  it('keeps its records across a restart and re-arms sender activations and undelivered callbacks', async () => {
    const stateFile = join(dir, 'kept', 'sandbox-state.json');
    const options = { stateFile, senderActivationMs: 1500, callbackRetryDelaysMs: [100, 30_000] };
    let fake = await startFake(options);
    const auth = `Bearer ${await sinchToken(fake)}`;
    const first = await onboard(fake, 'kept-1');
    const hook = await call(
      'POST',
      `${fake.urls.provisioning}/v1/projects/${fake.credentials.sinchProjectId}/webhooks`,
      { auth, body: { target: `${receiver.url}/papi`, secret, triggers: ['ALL'] } },
    );
    expect(hook.status).toBe(201);
    // The first sender fails at once, and its callback is refused twice: the next attempt is
    // 30 s away when the fake stops. The second is still IN_PROGRESS when it stops.
    receiver.respondWith(503, 503);
    await control(fake, 'POST', '/sinch/sender-outcomes', { state: 'ERROR', afterMs: 0 });
    const create = (phoneNumberId: string) =>
      call('POST', senders(fake), { auth, body: { wabaId: '524126980791429', phoneNumberId } });
    const failing = senderSchema.parse((await create('300000000000001')).body);
    const activating = senderSchema.parse((await create('300000000000002')).body);
    const errorCallbacks = () =>
      receiver.deliveries.filter((d) => (d.json as Loose)?.type === 'WHATSAPP_SENDER_ERROR');
    await eventually(() => (errorCallbacks().length === 2 ? true : undefined));
    const before = (await control(fake, 'GET', '/state')).body.counts;
    await fake.close();
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    fake = await startFake(options);
    try {
      expect((await control(fake, 'GET', '/state')).body.counts).toEqual(before);
      // The same link (on this start's port), the same OAuth token and the same senders.
      const link = new URL(first.iframe_url);
      expect((await fetch(`${fake.url}${link.pathname}${link.search}`)).status).toBe(200);
      const read = await call('GET', `${senders(fake)}/${failing.id}`, { auth });
      expect(read.status).toBe(200);
      expect(read.body.state).toBe('ERROR');

      // The refused callback is delivered, signed, after the first retry delay (not 30 s).
      await eventually(() => (errorCallbacks().length === 3 ? true : undefined), 5_000);
      const delivered = errorCallbacks()[2]!;
      expect(
        (await verifyCallback({ secret, rawBody: delivered.rawBody, headers: delivered.headers }))
          .ok,
      ).toBe(true);
      // The sender IN_PROGRESS becomes ACTIVE, and says so.
      await receiver.waitFor((d) => (d.json as Loose)?.type === 'WHATSAPP_SENDER_ACTIVE', 10_000);
      const active = await call('GET', `${senders(fake)}/${activating.id}`, { auth });
      expect(active.body.state).toBe('ACTIVE');

      // New ids are new; the saved secrets are still redacted from what the fake shows.
      const second = await onboard(fake, 'kept-2');
      expect(second.user_data.project_id).not.toBe(first.user_data.project_id);
      const state = JSON.stringify((await control(fake, 'GET', '/state')).body);
      expect(state).not.toContain(first.user_data.api_key);
      expect(state).not.toContain(link.searchParams.get('token'));
    } finally {
      await fake.close();
    }
  });

  it('refuses to start on a state file it cannot read, and says how to start afresh', async () => {
    const stateFile = join(dir, 'broken.json');
    writeFileSync(stateFile, '{"version": 1, "collections": ');
    await expect(startFake({ stateFile })).rejects.toThrow(/npm run sandbox:reset/);
  });

  it('starts empty when the file does not exist yet, and writes one once something changes', async () => {
    const stateFile = join(dir, 'new', 'sandbox-state.json');
    const fake = await startFake({ stateFile });
    try {
      expect(
        Object.values((await control(fake, 'GET', '/state')).body.counts).every((n) => n === 0),
      ).toBe(true);
      await onboard(fake, 'new-1');
      await eventually(() => {
        try {
          return statSync(stateFile).size > 0 ? true : undefined;
        } catch {
          return undefined;
        }
      }, 5_000);
    } finally {
      await fake.close();
    }
  });
});
