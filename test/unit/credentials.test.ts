import { describe, expect, it } from 'vitest';
import { createApiKey, ensureApiKey, revokeApiKey, verifyApiKey } from '../../src/auth/api-keys.ts';
import { createCallerResolver, INVALID } from '../../src/auth/caller.ts';
import { SessionTokens } from '../../src/auth/session-tokens.ts';
import { openDatabase } from '../../src/db/client.ts';
import { keyFromBase64 } from '../../src/secrets/seal.ts';

const secretsKey = keyFromBase64(Buffer.alloc(32, 3).toString('base64'));

describe('partner API keys', () => {
  it('verify only with the exact secret, and stop working once revoked', () => {
    const { db, close } = openDatabase(':memory:');
    try {
      const { id, key } = createApiKey(db, { name: 'backend', scopes: ['read', 'write'] });
      expect(verifyApiKey(db, key)?.id).toBe(id);
      const wrongSecret = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
      expect(verifyApiKey(db, wrongSecret)).toBeUndefined();
      expect(verifyApiKey(db, 'gwk_nonsense')).toBeUndefined();
      expect(revokeApiKey(db, id)).toBe(true);
      expect(verifyApiKey(db, key)).toBeUndefined();
    } finally {
      close();
    }
  });

  it('never store the secret itself', () => {
    const { db, sqlite, close } = openDatabase(':memory:');
    try {
      const { key } = createApiKey(db, { name: 'backend', scopes: ['read'] });
      const secret = key.split('_').slice(2).join('_');
      const rows = JSON.stringify(sqlite.prepare('select * from api_keys').all());
      expect(rows).not.toContain(secret);
    } finally {
      close();
    }
  });

  it('bootstrap a configured key once, keeping its id', () => {
    const { db, close } = openDatabase(':memory:');
    try {
      const { key } = createApiKey(openDatabase(':memory:').db, {
        name: 'elsewhere',
        scopes: ['admin'],
      });
      ensureApiKey(db, key, { name: 'bootstrap', scopes: ['admin'] });
      ensureApiKey(db, key, { name: 'bootstrap', scopes: ['admin'] });
      expect(verifyApiKey(db, key)?.name).toBe('bootstrap');
      expect(() => ensureApiKey(db, 'not-a-key', { name: 'x', scopes: ['read'] })).toThrow(/gwk_/);
    } finally {
      close();
    }
  });
});

describe('onboarding session tokens', () => {
  const sessions = new SessionTokens([secretsKey]);

  it('carry their onboarding and expire', () => {
    const now = 1_800_000_000_000;
    const { token, expiresAt } = sessions.issue('01HONBOARDING00000000000000', now);
    expect(expiresAt).toBe(now + 3_600_000);
    expect(sessions.verify(token, now + 1000)).toEqual({
      onboardingId: '01HONBOARDING00000000000000',
      expiresAt,
    });
    expect(sessions.verify(token, expiresAt)).toBeUndefined();
  });

  it('still verify after the secrets key is rotated, while the old key is configured', () => {
    const newKey = keyFromBase64(Buffer.alloc(32, 5).toString('base64'));
    const { token } = sessions.issue('01HONBOARDING00000000000000');
    const rotated = new SessionTokens([newKey, secretsKey]);
    expect(rotated.verify(token)?.onboardingId).toBe('01HONBOARDING00000000000000');
    expect(new SessionTokens([newKey]).verify(token)).toBeUndefined();
    expect(sessions.verify(rotated.issue('01HONBOARDING00000000000000').token)).toBeUndefined();
  });

  it('cannot be altered to name another onboarding, nor made with another key', () => {
    const { token } = sessions.issue('01HONBOARDING00000000000000');
    const [payload, signature] = token.slice(4).split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload!, 'base64url').toString()),
        o: '01HOTHER0000000000000000000',
      }),
    ).toString('base64url');
    expect(sessions.verify(`gws_${forgedPayload}.${signature}`)).toBeUndefined();
    const other = new SessionTokens([keyFromBase64(Buffer.alloc(32, 4).toString('base64'))]);
    expect(sessions.verify(other.issue('01HONBOARDING00000000000000').token)).toBeUndefined();
  });
});

describe('resolving the caller', () => {
  it('maps each credential to who is calling, with admin implying write implying read', () => {
    const { db, close } = openDatabase(':memory:');
    try {
      const sessions = new SessionTokens([secretsKey]);
      const resolver = createCallerResolver(db, sessions);
      const admin = createApiKey(db, { name: 'ops', scopes: ['admin'] });
      const read = createApiKey(db, { name: 'reports', scopes: ['read'] });
      expect(resolver.resolve(undefined)).toEqual({ kind: 'anonymous' });
      expect(resolver.resolve(`Bearer ${admin.key}`)).toMatchObject({
        kind: 'partner',
        name: 'ops',
        scopes: new Set(['admin', 'write', 'read']),
      });
      expect(resolver.resolve(`Bearer ${read.key}`)).toMatchObject({ scopes: new Set(['read']) });
      expect(
        resolver.resolve(`Bearer ${sessions.issue('01HONB0000000000000000000X').token}`),
      ).toMatchObject({
        kind: 'session',
        onboardingId: '01HONB0000000000000000000X',
      });
      expect(resolver.resolve('Bearer gwk_forged')).toBe(INVALID);
      expect(resolver.resolve(`Basic ${Buffer.from('a:b').toString('base64')}`)).toBe(INVALID);
    } finally {
      close();
    }
  });
});
