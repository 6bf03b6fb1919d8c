// The rules of events to the vendor's backend that need no gateway: which URLs may receive them,
// the retry schedule, and the signature's verification.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import {
  signatureHeader,
  signEventBody,
  verifyEventSignature,
} from '../../src/vendor-events/contract.ts';
import { retryDelay } from '../../src/vendor-events/dispatcher.ts';
import { endpointUrlProblem } from '../../src/vendor-events/endpoints.ts';

describe('event endpoint URLs', () => {
  it('accepts http and https in the sandbox, https only in live mode', () => {
    expect(endpointUrlProblem('http://127.0.0.1:9000/events', 'sandbox')).toBeUndefined();
    expect(endpointUrlProblem('https://vendor.example/events', 'sandbox')).toBeUndefined();
    expect(endpointUrlProblem('https://vendor.example/events', 'live')).toBeUndefined();
    expect(endpointUrlProblem('http://vendor.example/events', 'live')).toBe(
      'must be an https URL in live mode',
    );
  });

  it('refuses what is not an absolute http(s) URL, or is too long', () => {
    for (const url of [
      '',
      'not a url',
      '/events',
      'ftp://vendor.example/',
      'javascript:alert(1)',
    ]) {
      expect(endpointUrlProblem(url, 'sandbox'), url).toBe('must be an absolute http or https URL');
    }
    expect(endpointUrlProblem(`https://vendor.example/${'a'.repeat(2048)}`, 'sandbox')).toBe(
      'must be at most 2048 characters',
    );
  });
});

describe('the retry schedule', () => {
  it('doubles from the base after each failed attempt, up to the cap; defaults 10 s, 1 h, 20 attempts', () => {
    const { vendorEvents } = loadConfig({});
    expect(vendorEvents).toEqual({
      timeoutMs: 10_000,
      retryBaseMs: 10_000,
      retryMaxMs: 3_600_000,
      maxAttempts: 20,
    });
    expect([1, 2, 3, 4, 9, 10, 19].map((n) => retryDelay(vendorEvents, n))).toEqual([
      10_000, 20_000, 40_000, 80_000, 2_560_000, 3_600_000, 3_600_000,
    ]);
  });
});

describe('event signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"1","type":"status.changed"}';
  const now = 1_800_000_000_000;
  const t = now / 1000;

  it('verifies a signature made now, within the tolerance', () => {
    const header = signatureHeader(secret, t, body);
    expect(header).toBe(`t=${t},v1=${signEventBody(secret, t, body)}`);
    expect(verifyEventSignature(header, body, secret, { now })).toEqual({ ok: true, timestamp: t });
    expect(verifyEventSignature(header, body, secret, { now: now + 300_000 })).toMatchObject({
      ok: true,
    });
  });

  it('refuses another body, another secret, a stale or future timestamp, and a malformed header', () => {
    const header = signatureHeader(secret, t, body);
    expect(verifyEventSignature(header, `${body} `, secret, { now })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyEventSignature(header, body, 'whsec_other', { now })).toMatchObject({ ok: false });
    expect(verifyEventSignature(header, body, secret, { now: now + 301_000 })).toEqual({
      ok: false,
      reason: 'too old',
    });
    expect(verifyEventSignature(header, body, secret, { now: now - 301_000 })).toEqual({
      ok: false,
      reason: 'in the future',
    });
    for (const bad of [undefined, '', 't=1', 'v1=ab', `t=x,v1=${'0'.repeat(64)}`]) {
      expect(verifyEventSignature(bad, body, secret, { now })).toEqual({
        ok: false,
        reason: 'malformed',
      });
    }
  });
});
