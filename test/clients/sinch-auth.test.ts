import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/upstreams/errors.ts';
import { createSinchAuth, type OAuth2TokenCache } from '../../src/upstreams/sinch/auth.ts';
import { SinchSubprojectsClient } from '../../src/upstreams/sinch/subprojects.ts';
import { fastTuning, type Sandbox, startSandbox } from '../support/fake.ts';
import { MISSED, withWindow } from '../support/windows.ts';

let sandbox: Sandbox;
const tuning = fastTuning();

beforeAll(async () => {
  // Tokens live an hour, as Sinch's do; the renewal test shortens them for itself.
  sandbox = await startSandbox();
});
afterAll(async () => {
  await tuning.pools.close();
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

function setup(
  mode: 'oauth2' | 'basic',
  keySecret = sandbox.credentials.sinchKeySecret,
  now?: () => number,
) {
  const auth = createSinchAuth({
    mode,
    keyId: sandbox.credentials.sinchKeyId,
    keySecret,
    authBaseUrl: sandbox.urls.sinchAuth,
    pools: tuning.pools,
    timeouts: tuning.timeouts,
    now,
  });
  const subprojects = new SinchSubprojectsClient({
    ...tuning,
    baseUrl: sandbox.urls.subprojects,
    parentProjectId: sandbox.credentials.sinchProjectId,
    auth,
  });
  return { auth, subprojects };
}

const tokenRequests = async () =>
  (await sandbox.journal('sinch-auth')).filter((e) => e.direction === 'inbound').length;

describe('Sinch OAuth2 token cache', () => {
  it('fetches one token for a burst of concurrent calls and reuses it', async () => {
    const { auth, subprojects } = setup('oauth2');
    await Promise.all(Array.from({ length: 10 }, () => subprojects.list()));
    await subprojects.list();
    expect((auth as OAuth2TokenCache).fetches).toBe(1);
    expect(await tokenRequests()).toBe(1);
  });

  it('renews the token ahead of its expiry', async () => {
    // The first call must carry the token before the cache's renewal point, nine tenths into its
    // life: a machine too slow for that tries again with a longer-lived token.
    await withWindow(1_000, 16_000, async (lifetimeMs) => {
      await sandbox.reset();
      await sandbox.control('PATCH', '/config', { tokenTtlSeconds: lifetimeMs / 1000 });
      try {
        const { auth, subprojects } = setup('oauth2');
        await subprojects.list();
        if ((auth as OAuth2TokenCache).fetches !== 1) return MISSED;
        // Past the renewal point, and at (or past) the token's expiry.
        await new Promise((r) => setTimeout(r, lifetimeMs));
        await subprojects.list();
        expect((auth as OAuth2TokenCache).fetches).toBe(2);
        // Renewed before use, so no call was ever refused.
        const statuses = (await sandbox.journal('subprojects')).map((e) => e.status);
        expect(statuses).toEqual([200, 200]);
      } finally {
        await sandbox.control('PATCH', '/config', { tokenTtlSeconds: 3600 });
      }
    });
  });

  it('renews once and repeats the call when the upstream refuses a token it thought valid', async () => {
    let frozen = Date.now();
    const { auth, subprojects } = setup('oauth2', undefined, () => frozen);
    await subprojects.list();
    // The fake forgets every token on reset: the cache still believes its token is fresh.
    await sandbox.reset();
    frozen += 10;
    const page = await subprojects.list();
    expect(page.subprojects).toEqual([]);
    expect((auth as OAuth2TokenCache).fetches).toBe(2);
    expect((await sandbox.journal('subprojects')).map((e) => e.status)).toEqual([401, 200]);
  });

  it('reports wrong client credentials as unauthorized, once, without the secret', async () => {
    const secret = 'definitely-not-the-secret';
    const { subprojects } = setup('oauth2', secret);
    const error = await subprojects.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      kind: 'unauthorized',
      upstream: 'sinch-auth',
      code: 'invalid_client',
    });
    expect(JSON.stringify((error as UpstreamError).toJSON())).not.toContain(secret);
    expect(await tokenRequests()).toBe(1);
    expect(await sandbox.journal('subprojects')).toEqual([]);
  });

  it('recovers when the token endpoint answers 503 once', async () => {
    await sandbox.fault({ upstream: 'sinch-auth', kind: 'status', status: 503, times: 1 });
    const { subprojects } = setup('oauth2');
    await subprojects.list();
    expect(await tokenRequests()).toBe(2);
  });
});

describe('Sinch Basic auth', () => {
  it('calls the APIs with the key directly and never asks for a token', async () => {
    const { subprojects } = setup('basic');
    await subprojects.create({ displayName: 'Basic customer' });
    expect(await tokenRequests()).toBe(0);
    const [call] = await sandbox.journal('subprojects');
    expect(call?.requestHeaders?.authorization).toBe('Basic [REDACTED]');
  });

  it('does not repeat a call whose static credentials were refused', async () => {
    const { subprojects } = setup('basic', 'wrong-secret-value');
    const error = await subprojects.list().catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'unauthorized', code: 'UNAUTHENTICATED', status: 401 });
    expect(await sandbox.journal('subprojects')).toHaveLength(1);
  });
});
