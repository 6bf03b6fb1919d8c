import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_HEADERS,
  signCallback,
  verifyCallback,
} from '../../src/upstreams/sinch/signature.ts';

const secret = 'whsec-test-0123456789';
const rawBody = JSON.stringify({ type: 'WHATSAPP_SENDER_ACTIVE', payload: { id: 'abc' } });
const now = 1_800_000_000;

describe('Sinch callback signatures', () => {
  it('accepts a callback signed with the registered secret', async () => {
    const headers = signCallback({ secret, rawBody, nonce: 'n-1', timestamp: now });
    expect(await verifyCallback({ secret, rawBody, headers, now })).toEqual({
      ok: true,
      nonce: 'n-1',
    });
  });

  it('matches the documented algorithm: base64 HMAC-SHA256 of body.nonce.timestamp', async () => {
    const { createHmac } = await import('node:crypto');
    const headers = signCallback({ secret, rawBody, nonce: 'n-2', timestamp: now });
    const expected = createHmac('sha256', secret).update(`${rawBody}.n-2.${now}`).digest('base64');
    expect(headers[SIGNATURE_HEADERS.signature]).toBe(expected);
    expect(headers[SIGNATURE_HEADERS.algorithm]).toBe('HmacSHA256');
  });

  it('rejects a body with one byte changed', async () => {
    const headers = signCallback({ secret, rawBody, nonce: 'n-3', timestamp: now });
    const tampered = rawBody.replace('abc', 'abd');
    expect(await verifyCallback({ secret, rawBody: tampered, headers, now })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('rejects a signature made with another secret', async () => {
    const headers = signCallback({ secret: 'someone-else', rawBody, nonce: 'n-4', timestamp: now });
    expect((await verifyCallback({ secret, rawBody, headers, now })).ok).toBe(false);
  });

  it('rejects a stale timestamp, and one from the future, outside the tolerance', async () => {
    const old = signCallback({ secret, rawBody, nonce: 'n-5', timestamp: now - 301 });
    const future = signCallback({ secret, rawBody, nonce: 'n-6', timestamp: now + 301 });
    expect(await verifyCallback({ secret, rawBody, headers: old, now })).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(await verifyCallback({ secret, rawBody, headers: future, now })).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    const withinWindow = signCallback({ secret, rawBody, nonce: 'n-7', timestamp: now - 299 });
    expect((await verifyCallback({ secret, rawBody, headers: withinWindow, now })).ok).toBe(true);
  });

  it('rejects a replayed nonce through the caller-owned hook', async () => {
    const seen = new Set<string>();
    const isReplay = (nonce: string) => {
      if (seen.has(nonce)) return true;
      seen.add(nonce);
      return false;
    };
    const headers = signCallback({ secret, rawBody, nonce: 'n-8', timestamp: now });
    expect((await verifyCallback({ secret, rawBody, headers, now, isReplay })).ok).toBe(true);
    expect(await verifyCallback({ secret, rawBody, headers, now, isReplay })).toEqual({
      ok: false,
      reason: 'replayed_nonce',
    });
  });

  it('does not consult the replay hook for a forged callback, so forgeries cannot burn nonces', async () => {
    const consulted: string[] = [];
    const headers = signCallback({ secret: 'forger', rawBody, nonce: 'n-9', timestamp: now });
    await verifyCallback({ secret, rawBody, headers, now, isReplay: (n) => !!consulted.push(n) });
    expect(consulted).toEqual([]);
  });

  it('rejects missing headers, a truncated signature and another algorithm', async () => {
    const headers = signCallback({ secret, rawBody, nonce: 'n-10', timestamp: now });
    const { [SIGNATURE_HEADERS.signature]: _dropped, ...unsigned } = headers;
    expect(await verifyCallback({ secret, rawBody, headers: unsigned, now })).toEqual({
      ok: false,
      reason: 'missing_signature',
    });
    const truncated = {
      ...headers,
      [SIGNATURE_HEADERS.signature]: headers[SIGNATURE_HEADERS.signature]!.slice(0, 20),
    };
    expect((await verifyCallback({ secret, rawBody, headers: truncated, now })).ok).toBe(false);
    const sha1 = { ...headers, [SIGNATURE_HEADERS.algorithm]: 'HmacSHA1' };
    expect(await verifyCallback({ secret, rawBody, headers: sha1, now })).toEqual({
      ok: false,
      reason: 'unsupported_algorithm',
    });
  });

  it('reads headers from a Fetch Headers object as well as a Node header record', async () => {
    const headers = new Headers(signCallback({ secret, rawBody, nonce: 'n-11', timestamp: now }));
    expect((await verifyCallback({ secret, rawBody, headers, now })).ok).toBe(true);
  });
});
