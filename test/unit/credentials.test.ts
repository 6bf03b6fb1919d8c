import { describe, expect, it } from 'vitest';
import { createApiKey, ensureApiKey, verifyApiKey } from '../../src/auth/api-keys.ts';
import { createCallerResolver, INVALID } from '../../src/auth/caller.ts';
import { SessionTokens } from '../../src/auth/session-tokens.ts';
import { openSqliteStore } from '../../src/db/client.ts';
import { keyFromBase64 } from '../../src/secrets/seal.ts';

const secretsKey = keyFromBase64(Buffer.alloc(32, 3).toString('base64'));

describe('partner API keys', () => {
  it('verify only with the exact secret, and stop working once revoked', async () => {
    const store = openSqliteStore(':memory:');
    try {
      const keys = store.apiKeys;
      const { id, key } = await createApiKey(keys, { name: 'backend', scopes: ['read', 'write'] });
      expect((await verifyApiKey(keys, key))?.id).toBe(id);
      const wrongSecret = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
      expect(await verifyApiKey(keys, wrongSecret)).toBeUndefined();
      expect(await verifyApiKey(keys, 'gwk_nonsense')).toBeUndefined();
      expect(await keys.revoke(id, Date.now())).toBe('revoked');
      expect(await keys.revoke(id, Date.now())).toBe('already_revoked');
      expect(await keys.revoke('01HNOSUCHKEY00000000000000', Date.now())).toBe('not_found');
      expect(await verifyApiKey(keys, key)).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('never store the secret itself', async () => {
    const store = openSqliteStore(':memory:');
    try {
      const { key } = await createApiKey(store.apiKeys, { name: 'backend', scopes: ['read'] });
      const secret = key.split('_').slice(2).join('_');
      const rows = JSON.stringify(store.sqlite.prepare('select * from api_keys').all());
      expect(rows).not.toContain(secret);
    } finally {
      await store.close();
    }
  });

  it('bootstrap a configured key once, keeping its id', async () => {
    const store = openSqliteStore(':memory:');
    const elsewhere = openSqliteStore(':memory:');
    try {
      const keys = store.apiKeys;
      const { key } = await createApiKey(elsewhere.apiKeys, {
        name: 'elsewhere',
        scopes: ['admin'],
      });
      await ensureApiKey(keys, key, { name: 'bootstrap', scopes: ['admin'] });
      await ensureApiKey(keys, key, { name: 'bootstrap', scopes: ['admin'] });
      expect((await verifyApiKey(keys, key))?.name).toBe('bootstrap');
      expect(await keys.list()).toHaveLength(1);
      await expect(
        ensureApiKey(keys, 'not-a-key', { name: 'x', scopes: ['read'] }),
      ).rejects.toThrow(/gwk_/);
    } finally {
      await store.close();
      await elsewhere.close();
    }
  });
});

describe('onboarding session tokens', () => {
  const sessions = new SessionTokens([secretsKey]);

  it('carry their onboarding and expire', () => {
    const now = 1_800_000_000_000;
    const { token, expiresAt } = sessions.issue('01HONBOARDING00000000000000', 3, now);
    expect(expiresAt).toBe(now + 3_600_000);
    expect(sessions.verify(token, now + 1000)).toEqual({
      onboardingId: '01HONBOARDING00000000000000',
      expiresAt,
      generation: 3,
    });
    expect(sessions.verify(token, expiresAt)).toBeUndefined();
  });

  it('still verify after the secrets key is rotated, while the old key is configured', () => {
    const newKey = keyFromBase64(Buffer.alloc(32, 5).toString('base64'));
    const { token } = sessions.issue('01HONBOARDING00000000000000', 0);
    const rotated = new SessionTokens([newKey, secretsKey]);
    expect(rotated.verify(token)?.onboardingId).toBe('01HONBOARDING00000000000000');
    expect(new SessionTokens([newKey]).verify(token)).toBeUndefined();
    expect(sessions.verify(rotated.issue('01HONBOARDING00000000000000', 0).token)).toBeUndefined();
  });

  it('cannot be altered to claim a later session generation', () => {
    const { token } = sessions.issue('01HONBOARDING00000000000000', 1);
    const [payload, signature] = token.slice(4).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    expect(claims.g).toBe(1);
    const forged = Buffer.from(JSON.stringify({ ...claims, g: 2 })).toString('base64url');
    expect(sessions.verify(`gws_${forged}.${signature}`)).toBeUndefined();
  });

  it('cannot be altered to name another onboarding, nor made with another key', () => {
    const { token } = sessions.issue('01HONBOARDING00000000000000', 0);
    const [payload, signature] = token.slice(4).split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload!, 'base64url').toString()),
        o: '01HOTHER0000000000000000000',
      }),
    ).toString('base64url');
    expect(sessions.verify(`gws_${forgedPayload}.${signature}`)).toBeUndefined();
    const other = new SessionTokens([keyFromBase64(Buffer.alloc(32, 4).toString('base64'))]);
    expect(sessions.verify(other.issue('01HONBOARDING00000000000000', 0).token)).toBeUndefined();
  });
});

describe('resolving the caller', () => {
  it('maps each credential to who is calling, with admin implying write implying read', async () => {
    const store = openSqliteStore(':memory:');
    try {
      const sessions = new SessionTokens([secretsKey]);
      const generations = new Map([['01HONB0000000000000000000X', 2]]);
      const resolver = createCallerResolver(store.apiKeys, sessions, async (id) =>
        generations.get(id),
      );
      const admin = await createApiKey(store.apiKeys, { name: 'ops', scopes: ['admin'] });
      const read = await createApiKey(store.apiKeys, { name: 'reports', scopes: ['read'] });
      expect(await resolver.resolve(undefined)).toEqual({ kind: 'anonymous' });
      expect(await resolver.resolve(`Bearer ${admin.key}`)).toMatchObject({
        kind: 'partner',
        name: 'ops',
        scopes: new Set(['admin', 'write', 'read']),
      });
      expect(await resolver.resolve(`Bearer ${read.key}`)).toMatchObject({
        scopes: new Set(['read']),
      });
      const session = `Bearer ${sessions.issue('01HONB0000000000000000000X', 2).token}`;
      expect(await resolver.resolve(session)).toMatchObject({
        kind: 'session',
        onboardingId: '01HONB0000000000000000000X',
        generation: 2,
      });
      // A session of an older generation, or of an onboarding that is not there, is not valid.
      expect(
        await resolver.resolve(`Bearer ${sessions.issue('01HONB0000000000000000000X', 1).token}`),
      ).toBe(INVALID);
      expect(
        await resolver.resolve(`Bearer ${sessions.issue('01HONB0000000000000000000Y', 0).token}`),
      ).toBe(INVALID);
      generations.set('01HONB0000000000000000000X', 3);
      expect(await resolver.resolve(session)).toBe(INVALID);
      expect(await resolver.resolve('Bearer gwk_forged')).toBe(INVALID);
      expect(await resolver.resolve(`Basic ${Buffer.from('a:b').toString('base64')}`)).toBe(
        INVALID,
      );
      // Revoked: refused from the next look-up on.
      await store.apiKeys.revoke(read.id, Date.now());
      expect(await resolver.resolve(`Bearer ${read.key}`)).toBe(INVALID);
    } finally {
      await store.close();
    }
  });
});
