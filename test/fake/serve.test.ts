import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstreams } from '../../mocks/serve.ts';
import { call, control, sandboxBasic, startFake } from './helpers.ts';

let fake: FakeUpstreams;

beforeAll(async () => {
  fake = await startFake();
});
afterAll(() => fake.close());

describe('the fake upstreams server', () => {
  it('answers an unknown route with 404 in that upstream own format', async () => {
    const auth = sandboxBasic(fake);
    const sendzen = await call('GET', `${fake.urls.sendzen}/v1/partner/nothing`);
    expect(sendzen.status).toBe(404);
    expect(sendzen.body).toEqual({ error: 'not_found', message: expect.any(String) });

    const token = await call('GET', `${fake.urls.sinchAuth}/oauth2/token`);
    expect(token.status).toBe(404);
    expect(token.body.error).toEqual(expect.any(String));

    const papi = await call('GET', `${fake.urls.provisioning}/v1/projects/p/whatsapp/unknown`, {
      auth,
    });
    expect(papi.status).toBe(404);
    expect(papi.body).toMatchObject({ errorCode: 'not_found', resolution: expect.any(String) });

    for (const url of [
      `${fake.urls.subprojects}/v9/nothing`,
      `${fake.urls.conversation.eu}/v1/nothing`,
    ]) {
      const rpc = await call('GET', url, { auth });
      expect(rpc.status).toBe(404);
      expect(rpc.body.error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    }

    const nowhere = await call('GET', `${fake.url}/somewhere-else`);
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.message).toMatch(/_sandbox/);
  });

  it('journals unknown routes like any other call', async () => {
    await control(fake, 'POST', '/reset');
    await call('DELETE', `${fake.urls.sendzen}/v1/partner/onboard`);
    const [entry] = (await control(fake, 'GET', '/journal')).body.entries;
    expect(entry).toMatchObject({ upstream: 'sendzen', method: 'DELETE', status: 404 });
  });

  it('closes promptly while a request hangs', async () => {
    const other = await startFake();
    await control(other, 'POST', '/faults', { upstream: 'sendzen', kind: 'hang' });
    const hung = fetch(`${other.urls.sendzen}/v1/partner/onboard`, { method: 'POST' }).catch(
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 50));
    // The hang never ends by itself: a close that waited for it would never return, and the test's
    // timeout is the bound (a fixed second failed on loaded machines).
    await other.close();
    expect(await hung).toBeInstanceOf(TypeError);
    await expect(fetch(other.url)).rejects.toThrow();
  });

  it('stops pending sender activations when closed', async () => {
    const other = await startFake({ senderActivationMs: 100 });
    const answer = await call(
      'POST',
      `${other.urls.provisioning}/v1/projects/${other.credentials.sinchProjectId}/whatsapp/senders`,
      { auth: sandboxBasic(other), body: { wabaId: '1', phoneNumberId: '1' } },
    );
    expect(answer.status).toBe(201);
    await other.close();
  });
});
