import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeUpstreams } from '../../mocks/serve.ts';
import { call, control, eventually, type Loose, sandboxBasic, startFake } from './helpers.ts';

let fake: FakeUpstreams;
let auth: string;

beforeAll(async () => {
  fake = await startFake();
  auth = sandboxBasic(fake);
});
afterAll(() => fake.close());
beforeEach(async () => {
  await control(fake, 'POST', '/reset');
});

const fault = async (spec: Record<string, unknown>) => {
  const answer = await control(fake, 'POST', '/faults', spec);
  expect(answer.status).toBe(201);
  return answer.body as { id: string };
};
const senders = () =>
  `${fake.urls.provisioning}/v1/projects/${fake.credentials.sinchProjectId}/whatsapp/senders`;
const subprojects = () =>
  `${fake.urls.subprojects}/v1/projects/${fake.credentials.sinchProjectId}/subprojects`;
const provisioningWebhooks = () =>
  `${fake.urls.provisioning}/v1/projects/${fake.credentials.sinchProjectId}/webhooks`;
const apps = () =>
  `${fake.urls.conversation.us}/v1/projects/${fake.credentials.sinchProjectId}/apps`;
const onboard = () =>
  call('POST', `${fake.urls.sendzen}/v1/partner/onboard`, {
    auth: `Bearer ${fake.credentials.sendzenPartnerKey}`,
    body: { client_identifier: 'c' },
  });

describe('scripted faults', () => {
  it('fails exactly the next N matching requests, then answers normally', async () => {
    await fault({ upstream: 'provisioning', kind: 'status', status: 503, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await call('GET', senders(), { auth })).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('answers a status fault in the upstream own error format', async () => {
    await fault({ upstream: '*', kind: 'status', status: 500, times: 5 });
    expect((await onboard()).body).toEqual({
      error: 'internal_error',
      message: expect.any(String),
    });
    expect((await call('GET', senders(), { auth })).body).toMatchObject({
      errorCode: 'internal_error',
    });
    expect((await call('GET', subprojects(), { auth })).body.error).toMatchObject({
      code: 500,
      status: 'INTERNAL',
    });
    const token = await call('POST', `${fake.urls.sinchAuth}/oauth2/token`, {
      auth,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(token.body).toMatchObject({ error: 'temporarily_unavailable' });
    const apps = await call(
      'GET',
      `${fake.urls.conversation.eu}/v1/projects/${fake.credentials.sinchProjectId}/apps`,
      { auth },
    );
    expect(apps.body.error.status).toBe('INTERNAL');
  });

  it('answers a scripted 401 with the upstream own challenge, as a real refusal would', async () => {
    await fault({ upstream: '*', kind: 'status', status: 401, times: 5 });
    const sinch = [
      await call('GET', senders(), { auth }),
      await call('GET', subprojects(), { auth }),
      await call('GET', apps(), { auth }),
    ];
    for (const answer of sinch) {
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Basic realm="Realm"');
    }
    const token = await call('POST', `${fake.urls.sinchAuth}/oauth2/token`, {
      auth,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(401);
    expect(token.headers.get('www-authenticate')).toMatch(/^Basic .*error="invalid_client"/);
    const sendzen = await onboard();
    expect(sendzen.status).toBe(401);
    expect(sendzen.headers.get('www-authenticate')).toBeNull();
  });

  it('sends Retry-After as seconds or as an HTTP date, with the rate-limit body', async () => {
    await fault({ upstream: 'sendzen', kind: 'status', status: 429, retryAfter: 7 });
    const seconds = await onboard();
    expect(seconds.status).toBe(429);
    expect(seconds.headers.get('retry-after')).toBe('7');
    expect(seconds.body.error).toBe('rate_limited');

    const date = 'Wed, 21 Oct 2026 07:28:00 GMT';
    await fault({ upstream: 'provisioning', kind: 'status', status: 429, retryAfter: date });
    const dated = await call('GET', senders(), { auth });
    expect(dated.headers.get('retry-after')).toBe(date);
    expect(dated.body.errorCode).toBe('too_many_requests');

    await fault({ upstream: 'subprojects', kind: 'status', status: 429, retryAfter: 2 });
    const rpc = await call('GET', subprojects(), { auth });
    expect(rpc.body.error).toMatchObject({
      status: 'RESOURCE_EXHAUSTED',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' }],
    });
  });

  it('never fires with probability 0, and always with probability 1 until removed', async () => {
    await fault({ upstream: 'provisioning', kind: 'status', probability: 0 });
    for (let i = 0; i < 20; i++) expect((await call('GET', senders(), { auth })).status).toBe(200);

    const always = await fault({ upstream: 'provisioning', kind: 'status', probability: 1 });
    for (let i = 0; i < 5; i++) expect((await call('GET', senders(), { auth })).status).toBe(503);
    const listed = (await control(fake, 'GET', '/faults')).body.faults;
    expect(listed.map((f: Loose) => [f.probability, f.remaining, f.fired])).toEqual([
      [0, null, 0],
      [1, null, 5],
    ]);
    expect((await control(fake, 'DELETE', `/faults/${always.id}`)).status).toBe(204);
    expect((await call('GET', senders(), { auth })).status).toBe(200);
    expect((await control(fake, 'DELETE', `/faults/${always.id}`)).status).toBe(404);
  });

  it('matches method and path globs after the upstream prefix and region', async () => {
    await fault({
      upstream: 'conversation',
      method: 'post',
      path: '/v1/projects/*/apps',
      kind: 'status',
      status: 502,
      times: 3,
    });
    const apps = `${fake.urls.conversation.us}/v1/projects/${fake.credentials.sinchProjectId}/apps`;
    expect((await call('GET', apps, { auth })).status).toBe(200);
    expect((await call('GET', `${apps}/01ARZ3NDEKTSV4RRFFQ69G5FAV`, { auth })).status).toBe(404);
    const refused = await call('POST', apps, {
      auth,
      body: { display_name: 'x', channel_credentials: [] },
    });
    expect(refused.status).toBe(502);

    await fault({ upstream: '*', path: '/v1/**/senders', kind: 'status', status: 504 });
    expect((await call('GET', senders(), { auth })).status).toBe(504);
  });

  it('resets the connection', async () => {
    await fault({ upstream: 'subprojects', kind: 'reset' });
    const error = await fetch(subprojects(), { headers: { authorization: auth } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(((error as TypeError).cause as { code?: string }).code).toMatch(
      /UND_ERR_SOCKET|ECONNRESET/,
    );
    expect((await call('GET', subprojects(), { auth })).status).toBe(200);
  });

  it('hangs until the client gives up', async () => {
    await fault({ upstream: 'provisioning', kind: 'hang' });
    const started = Date.now();
    const error = await fetch(senders(), {
      headers: { authorization: auth },
      signal: AbortSignal.timeout(150),
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect((await call('GET', senders(), { auth })).status).toBe(200);
  });

  it('delays and then answers normally', async () => {
    await fault({ upstream: 'provisioning', kind: 'delay', delayMs: 120 });
    const started = Date.now();
    const answer = await call('GET', senders(), { auth });
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('answers 200 with a truncated JSON body', async () => {
    await fault({ upstream: 'sendzen', kind: 'malformed' });
    const response = await fetch(`${fake.urls.sendzen}/v1/partner/onboard`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.credentials.sendzenPartnerKey}` },
      body: '{"client_identifier":"c"}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    await expect(response.json()).rejects.toThrow(SyntaxError);
  });

  it('records a fired fault on the journal entry', async () => {
    const { id } = await fault({ upstream: 'provisioning', kind: 'status', status: 503 });
    await call('GET', senders(), { auth });
    await call('GET', senders(), { auth });
    const entries = (await control(fake, 'GET', '/journal?upstream=provisioning')).body.entries;
    expect(entries.map((e: Loose) => [e.status, e.fault])).toEqual([
      [503, { id, kind: 'status', status: 503 }],
      [200, undefined],
    ]);
  });

  it('refuses a fault it cannot apply', async () => {
    for (const spec of [
      { upstream: 'facebook', kind: 'status' },
      { upstream: 'sendzen', kind: 'explode' },
      { upstream: 'sendzen', kind: 'delay' },
      { upstream: 'sendzen', kind: 'reset', status: 500 },
      { upstream: 'sendzen', kind: 'status', probability: 2 },
      { upstream: 'sendzen', kind: 'status', path: 'no-slash' },
    ]) {
      const answer = await control(fake, 'POST', '/faults', spec);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: 'invalid_request', message: expect.any(String) });
    }
    expect((await control(fake, 'GET', '/faults')).body.faults).toEqual([]);
  });
});

/** A create through plain fetch, so a test can abort it or see its connection drop. */
function createSubproject(displayName: string, signal?: AbortSignal) {
  return fetch(subprojects(), {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ displayName }),
    signal,
  });
}

const listedSubprojects = async (): Promise<Loose[]> =>
  (await call('GET', subprojects(), { auth })).body.subprojects;

const journalOf = async (upstream: string): Promise<Loose[]> =>
  (await control(fake, 'GET', `/journal?upstream=${upstream}`)).body.entries;

/** The journal entry of the one create sent to `upstream` so far, once it satisfies `ready`. */
const createEntry = (upstream: string, ready: (entry: Loose) => boolean = () => true) =>
  eventually(async () => {
    const creates = (await journalOf(upstream)).filter((e) => e.method === 'POST');
    return creates.length === 1 && ready(creates[0]) ? creates[0] : undefined;
  }, 10_000);

describe('faults that strike after the handler committed (after: "commit")', () => {
  it('drops the connection of a create that nevertheless happened', async () => {
    await fault({ upstream: 'subprojects', method: 'POST', kind: 'reset', after: 'commit' });
    const error = await createSubproject('reset after commit').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);

    expect((await listedSubprojects()).map((s) => s.displayName)).toEqual(['reset after commit']);
    expect(await createEntry('subprojects')).toMatchObject({
      outcome: 'reset',
      fault: { kind: 'reset', after: 'commit', handlerStatus: 200 },
    });
  });

  it('answers a truncated 200 for a create that nevertheless happened', async () => {
    await fault({
      upstream: 'provisioning',
      method: 'POST',
      path: '/v1/projects/*/webhooks',
      kind: 'malformed',
      after: 'commit',
    });
    const target = 'https://gateway.example/webhooks/sinch/provisioning/ob_1';
    const answer = await call('POST', provisioningWebhooks(), {
      auth,
      body: { target, secret: 'provisioning-secret', triggers: ['ALL'] },
    });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('{"truncated": tr');

    const listed = (await call('GET', provisioningWebhooks(), { auth })).body.webhooks;
    expect(listed.map((w: Loose) => w.target)).toEqual([target]);
    expect(await createEntry('provisioning')).toMatchObject({
      status: 200,
      fault: { kind: 'malformed', after: 'commit', handlerStatus: 201 },
    });
  });

  it('never answers a create that nevertheless happened', async () => {
    await fault({ upstream: 'conversation', method: 'POST', kind: 'hang', after: 'commit' });
    const error = await fetch(apps(), {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        display_name: 'hung app',
        channel_credentials: [
          { channel: 'WHATSAPP', static_bearer: { claimed_identity: 'nobody', token: 't' } },
        ],
      }),
      signal: AbortSignal.timeout(300),
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');

    const listed = (await call('GET', apps(), { auth })).body.apps;
    expect(listed.map((a: Loose) => a.display_name)).toEqual(['hung app']);
    expect(await createEntry('conversation', (e) => e.outcome !== undefined)).toMatchObject({
      outcome: 'hang',
      fault: { kind: 'hang', after: 'commit', handlerStatus: 200 },
    });
  });

  it('answers a create late, after it has already happened', async () => {
    await fault({
      upstream: 'subprojects',
      method: 'POST',
      kind: 'delay',
      delayMs: 60_000,
      after: 'commit',
    });
    const client = new AbortController();
    const pending = createSubproject('answered late', client.signal).catch((e: unknown) => e);

    // Listed while its own answer is still held back.
    const [listed] = await eventually(async () => {
      const found = await listedSubprojects();
      return found.length > 0 ? found : undefined;
    }, 10_000);
    expect(listed.displayName).toBe('answered late');
    client.abort();
    expect(((await pending) as Error).name).toBe('AbortError');
  });

  it('sends the committed answer itself once the delay is over', async () => {
    await fault({
      upstream: 'subprojects',
      method: 'POST',
      kind: 'delay',
      delayMs: 250,
      after: 'commit',
    });
    const started = Date.now();
    const answer = await call('POST', subprojects(), { auth, body: { displayName: 'late' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(answer.status).toBe(200);
    expect((await listedSubprojects()).map((s) => s.subprojectId)).toEqual([
      answer.body.subprojectId,
    ]);
  });

  it('lists the after field with the fault', async () => {
    const created = await fault({ upstream: 'sendzen', kind: 'malformed', after: 'commit' });
    expect(created).toMatchObject({ kind: 'malformed', after: 'commit' });
    const listed = (await control(fake, 'GET', '/faults')).body.faults;
    expect(listed.map((f: Loose) => f.after)).toEqual(['commit']);
  });

  it('refuses after with a status fault, an unknown value, and a delay without delayMs', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ upstream: 'subprojects', kind: 'status', status: 500, after: 'commit' }, /after.*status/],
      [{ upstream: 'subprojects', kind: 'reset', after: 'response' }, /after.*"commit"/],
      [{ upstream: 'subprojects', kind: 'delay', after: 'commit' }, /delayMs/],
    ];
    for (const [spec, message] of cases) {
      const answer = await control(fake, 'POST', '/faults', spec);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
      expect(answer.body.message).toMatch(message);
    }
    expect((await control(fake, 'GET', '/faults')).body.faults).toEqual([]);
  });
});

describe('a create delayed before its handler (a late commit)', () => {
  it('still happens when the delay ends, although the client has given up', async () => {
    await fault({ upstream: 'subprojects', method: 'POST', kind: 'delay', delayMs: 1_000 });
    const client = new AbortController();
    const pending = createSubproject('committed late', client.signal).catch((e: unknown) => e);
    await createEntry('subprojects');
    client.abort();
    expect(((await pending) as Error).name).toBe('AbortError');

    const [late] = await eventually(async () => {
      const found = await listedSubprojects();
      return found.length > 0 ? found : undefined;
    }, 10_000);
    expect(late.displayName).toBe('committed late');
    // The fake created it, and answered only after the client had left.
    expect(await createEntry('subprojects', (e) => e.outcome !== undefined)).toMatchObject({
      status: 200,
      outcome: 'client_gone',
      fault: { kind: 'delay' },
    });
  });

  it('is dropped, not committed into the new state, when the sandbox is reset meanwhile', async () => {
    await fault({ upstream: 'subprojects', method: 'POST', kind: 'delay', delayMs: 60_000 });
    const pending = createSubproject('from before the reset').catch((e: unknown) => e);
    await createEntry('subprojects');
    await control(fake, 'POST', '/reset');
    expect(await pending).toBeInstanceOf(TypeError);
    expect(await listedSubprojects()).toEqual([]);
  });
});
