import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstreams } from '../../mocks/serve.ts';
import { tokenResponseSchema } from '../../src/upstreams/sinch/contract.ts';
import { MISSED, withWindow } from '../support/windows.ts';
import { basic, call, control, sandboxBasic, sinchToken, sleep, startFake } from './helpers.ts';

let fake: FakeUpstreams;

beforeAll(async () => {
  fake = await startFake({ tokenTtlSeconds: 1 });
});
afterAll(() => fake.close());

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const requestToken = (auth: string | undefined, body = 'grant_type=client_credentials') =>
  call('POST', `${fake.urls.sinchAuth}/oauth2/token`, { auth, headers: FORM, body });
const listSubprojects = (auth?: string) =>
  call(
    'GET',
    `${fake.urls.subprojects}/v1/projects/${fake.credentials.sinchProjectId}/subprojects`,
    { auth },
  );

describe('Sinch OAuth2 token endpoint', () => {
  it('issues a Bearer token for the sandbox key with the configured lifetime', async () => {
    const answer = await requestToken(sandboxBasic(fake));
    expect(answer.status).toBe(200);
    const token = tokenResponseSchema.parse(answer.body);
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 1, scope: '' });
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses wrong or missing client credentials with invalid_client and WWW-Authenticate', async () => {
    for (const auth of [basic(fake.credentials.sinchKeyId, 'not-the-secret'), undefined]) {
      const answer = await requestToken(auth);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: 'invalid_client' });
      expect(answer.body.error_description).toEqual(expect.any(String));
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
  });

  it('refuses any grant but client_credentials', async () => {
    const wrong = await requestToken(sandboxBasic(fake), 'grant_type=password');
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: 'unsupported_grant_type' });
    const missing = await requestToken(sandboxBasic(fake), '');
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: 'invalid_request' });
  });
});

describe('Sinch API credentials', () => {
  it('accepts a fresh token and the key over Basic, and nothing else, with a challenge', async () => {
    // Good for an hour here: the second this suite's tokens last is no time on a loaded machine.
    await control(fake, 'PATCH', '/config', { tokenTtlSeconds: 3600 });
    const token = await sinchToken(fake).finally(() =>
      control(fake, 'PATCH', '/config', { tokenTtlSeconds: 1 }),
    );
    expect((await listSubprojects(`Bearer ${token}`)).status).toBe(200);
    expect((await listSubprojects(sandboxBasic(fake))).status).toBe(200);

    for (const auth of [undefined, 'Bearer made-up-token', basic('sandbox-key-id', 'nope')]) {
      const refused = await listSubprojects(auth);
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({
        error: {
          code: 401,
          message: 'Request had invalid credentials.',
          status: 'UNAUTHENTICATED',
          details: [],
        },
      });
      // Sinch's error registry: the API's 401 challenges for Basic, even a refused Bearer token.
      expect(refused.headers.get('www-authenticate')).toBe('Basic realm="Realm"');
    }
  });

  it('stops accepting a token once it has expired', async () => {
    // The token must still be good for the first call: a machine too slow for its lifetime tries
    // again with a longer one.
    await withWindow(1_000, 16_000, async (lifetimeMs) => {
      await control(fake, 'PATCH', '/config', { tokenTtlSeconds: lifetimeMs / 1000 });
      try {
        const requested = Date.now();
        const token = await sinchToken(fake);
        const issued = Date.now();
        const fresh = (await listSubprojects(`Bearer ${token}`)).status;
        if (fresh === 401 && Date.now() >= requested + lifetimeMs) return MISSED;
        expect(fresh).toBe(200);
        await sleep(issued + lifetimeMs + 50 - Date.now());
        expect((await listSubprojects(`Bearer ${token}`)).status).toBe(401);
      } finally {
        await control(fake, 'PATCH', '/config', { tokenTtlSeconds: 1 });
      }
    });
  });
});
