import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  parseSignupMessage,
  parseSignupWebhook,
  SendZenClient,
} from '../../src/upstreams/sendzen/client.ts';
import { fastTuning, type Sandbox, startSandbox } from '../support/fake.ts';
import { upstreamFailure } from '../support/upstream-error.ts';
import { HANG_MS } from '../support/windows.ts';

let sandbox: Sandbox;
let client: SendZenClient;
const tuning = fastTuning();

beforeAll(async () => {
  sandbox = await startSandbox();
  client = new SendZenClient({
    ...tuning,
    baseUrl: sandbox.urls.sendzen,
    partnerApiKey: sandbox.credentials.sendzenPartnerKey,
  });
});
afterAll(async () => {
  await tuning.pools.close();
  await sandbox.close();
});
beforeEach(() => sandbox.reset());

describe('SendZen onboard', () => {
  it('returns the customer project, API key and an iframe URL that lives one hour', async () => {
    const before = Date.now();
    const onboarding = await client.onboard({
      clientIdentifier: 'customer-12345',
      clientWebhookUrl: 'https://vendor.example/webhooks/sendzen',
    });
    expect(onboarding.clientIdentifier).toBe('customer-12345');
    expect(onboarding.projectId).toMatch(/^proj_[0-9a-f]{12}$/);
    expect(onboarding.apiKey).toMatch(/^sk_live_/);
    expect(onboarding.webhook).toMatchObject({
      url: 'https://vendor.example/webhooks/sendzen',
      valid: true,
    });
    // An hour from when the fake answered, which was between the call and its answer.
    const after = Date.now();
    const expiresAt = onboarding.iframeUrlExpiresAt.getTime();
    expect(expiresAt - before).toBeGreaterThanOrEqual(3_600_000);
    expect(expiresAt - after).toBeLessThanOrEqual(3_600_000);

    const page = await fetch(onboarding.iframeUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('customer-12345');
  });

  it('returns the same project for the same client identifier, with a fresh iframe URL', async () => {
    const first = await client.onboard({ clientIdentifier: 'same-customer' });
    const second = await client.onboard({ clientIdentifier: 'same-customer' });
    expect(second.projectId).toBe(first.projectId);
    expect(second.apiKey).toBe(first.apiKey);
    expect(second.iframeUrl).not.toBe(first.iframeUrl);
  });

  it('maps a 400 to invalid_request with SendZen’s own message, and does not retry it', async () => {
    const error = await upstreamFailure(client.onboard({ clientIdentifier: '   ' }));
    expect(error.kind).toBe('invalid_request');
    expect(error.status).toBe(400);
    expect(error.retryable).toBe(false);
    expect(error.upstreamMessage).toMatch(/client_identifier/);
    expect(await sandbox.journal('sendzen')).toHaveLength(1);
  });

  it('maps a wrong partner key to unauthorized without repeating the key anywhere in the error', async () => {
    const wrongKey = 'sz_partner_wrong_key_123456';
    const wrong = new SendZenClient({
      ...tuning,
      baseUrl: sandbox.urls.sendzen,
      partnerApiKey: wrongKey,
    });
    const error = await upstreamFailure(wrong.onboard({ clientIdentifier: 'c-1' }));
    expect(error.kind).toBe('unauthorized');
    expect(error.code).toBe('Invalid API key');
    expect(JSON.stringify({ ...error.toJSON(), stack: error.stack })).not.toContain(wrongKey);
  });

  it('waits out a 429 with Retry-After and then succeeds', async () => {
    await sandbox.fault({
      upstream: 'sendzen',
      kind: 'status',
      status: 429,
      retryAfter: 1,
      times: 1,
    });
    const started = Date.now();
    const onboarding = await client.onboard({ clientIdentifier: 'rate-limited' });
    expect(onboarding.projectId).toMatch(/^proj_/);
    // The transport honoured the upstream's one second rather than its own 5-20 ms backoff.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const calls = await sandbox.journal('sendzen');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it('gives up at once on a Retry-After longer than it is willing to wait', async () => {
    await sandbox.fault({
      upstream: 'sendzen',
      kind: 'status',
      status: 429,
      retryAfter: 120,
      times: 1,
    });
    const error = await upstreamFailure(client.onboard({ clientIdentifier: 'too-long' }));
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(120_000);
    expect(error.retryable).toBe(true);
  });

  it('recovers from 503 then success', async () => {
    await sandbox.fault({ upstream: 'sendzen', kind: 'status', status: 503, times: 2 });
    await client.onboard({ clientIdentifier: 'flaky' });
    expect((await sandbox.journal('sendzen')).map((c) => c.status)).toEqual([503, 503, 200]);
  });

  it('stops after the bounded number of attempts when the upstream stays down', async () => {
    await sandbox.fault({ upstream: 'sendzen', kind: 'status', status: 500, times: 10 });
    const error = await upstreamFailure(client.onboard({ clientIdentifier: 'down' }));
    expect(error.kind).toBe('unavailable');
    expect(error.attempts).toBe(4);
    expect(await sandbox.journal('sendzen')).toHaveLength(4);
  });

  it('turns a hung upstream into a timeout at the deadline', async () => {
    await sandbox.fault({ upstream: 'sendzen', kind: 'hang', times: 10 });
    const impatient = new SendZenClient({
      ...fastTuning({
        timeouts: { attemptMs: 200, totalMs: 500 },
        retry: { baseDelayMs: 5, maxDelayMs: 10 },
      }),
      baseUrl: sandbox.urls.sendzen,
      partnerApiKey: sandbox.credentials.sendzenPartnerKey,
    });
    const started = Date.now();
    const error = await upstreamFailure(impatient.onboard({ clientIdentifier: 'hang' }));
    expect(error.kind).toBe('timeout');
    expect(error.retryable).toBe(true);
    // The fake never answers: without the deadline the call would hang (a fixed 2 s bound here
    // failed on loaded machines; only a hang reaches this one).
    expect(Date.now() - started).toBeLessThan(HANG_MS);
  });

  it('reports a connection reset as a network error, and recovers from a single one', async () => {
    await sandbox.fault({ upstream: 'sendzen', kind: 'reset', times: 1 });
    await client.onboard({ clientIdentifier: 'reset-once' });

    await sandbox.fault({ upstream: 'sendzen', kind: 'reset', times: 10 });
    const error = await upstreamFailure(client.onboard({ clientIdentifier: 'reset-always' }));
    expect(error.kind).toBe('network');
    expect(error.outcomeUnknown).toBe(true);
  });

  it('reports a malformed body as bad_response, never as a crash', async () => {
    await sandbox.fault({ upstream: 'sendzen', kind: 'malformed', times: 1 });
    const error = await upstreamFailure(client.onboard({ clientIdentifier: 'malformed' }));
    expect(error.kind).toBe('bad_response');
    expect(error.retryable).toBe(false);
  });

  it('reports a refused connection as a network error', async () => {
    const closed = new SendZenClient({
      ...fastTuning({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } }),
      baseUrl: 'http://127.0.0.1:9/sendzen',
      partnerApiKey: 'sz_partner_unused_key',
    });
    const error = await upstreamFailure(closed.onboard({ clientIdentifier: 'nobody-home' }));
    expect(error.kind).toBe('network');
    expect(error.outcomeUnknown).toBe(false);
    expect(error.attempts).toBe(2);
  });
});

describe('SendZen signup results', () => {
  const completed = {
    status: 'completed',
    project_id: 'proj_a1b2c3d4e5f6',
    client_identifier: 'customer-12345',
    waba_id: '109876543210987',
    phone_number_id: '201234567890123',
  };

  it('parses a completed webhook body', () => {
    expect(parseSignupWebhook(completed)).toEqual({ ok: true, result: completed });
  });

  it('parses a failed result, with or without a message', () => {
    const failed = {
      status: 'failed',
      project_id: 'proj_1',
      client_identifier: 'c',
      message: 'User cancelled.',
    };
    expect(parseSignupWebhook(failed)).toEqual({ ok: true, result: failed });
    const bare = parseSignupWebhook({
      status: 'failed',
      project_id: 'proj_1',
      client_identifier: 'c',
    });
    expect(bare.ok && bare.result.status === 'failed' && bare.result.message).toBeTruthy();
  });

  it('accepts a postMessage payload as an object or a JSON string', () => {
    expect(parseSignupMessage(completed)).toEqual({ ok: true, result: completed });
    expect(parseSignupMessage(JSON.stringify(completed))).toEqual({ ok: true, result: completed });
  });

  it('says what is wrong with a bad payload', () => {
    const missing = parseSignupWebhook({ ...completed, waba_id: undefined });
    expect(missing).toEqual({ ok: false, problem: expect.stringContaining('waba_id') });
    expect(parseSignupMessage('{not json')).toEqual({ ok: false, problem: expect.any(String) });
    expect(parseSignupMessage({ status: 'maybe' }).ok).toBe(false);
  });
});
