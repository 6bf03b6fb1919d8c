// The retry rules: what a failed attempt means for its step and when the next one runs.
import { describe, expect, it } from 'vitest';
import { failureOf, nextAttempt } from '../../src/onboarding/retry.ts';
import { StepFailure } from '../../src/onboarding/steps/types.ts';
import { UpstreamError, type UpstreamErrorDetails } from '../../src/upstreams/errors.ts';

const NOW = 1_800_000_000_000;
const at = {
  step: 'CONVERSATION_APP' as const,
  now: NOW,
  subprojectCreatedAt: null,
  warmupGraceMs: 90_000,
};
const settings = { stepMaxAttempts: 5, stepRetryBaseMs: 1_000 };

function upstream(details: Partial<UpstreamErrorDetails>): UpstreamError {
  return new UpstreamError({
    kind: 'unavailable',
    upstream: 'sinch-conversation',
    method: 'POST',
    path: '/v1/projects/p/apps',
    attempts: 1,
    ...details,
  });
}

describe('what a failed attempt means', () => {
  it('retries a timed-out create, looking first for what it may have made', () => {
    const failure = failureOf(upstream({ kind: 'timeout', outcomeUnknown: true }), at);
    expect(failure).toMatchObject({ retryable: true, outcomeUnknown: true, code: 'TIMEOUT' });
  });

  it('treats a malformed answer to a create as an unknown outcome, not a plain failure', () => {
    const failure = failureOf(
      upstream({ kind: 'bad_response', status: 200, outcomeUnknown: true }),
      at,
    );
    expect(failure).toMatchObject({ retryable: true, outcomeUnknown: true });
  });

  it('does not retry a refusal, and keeps the upstream’s own code', () => {
    const failure = failureOf(
      upstream({ kind: 'invalid_request', status: 400, code: 'INVALID_ARGUMENT' }),
      at,
    );
    expect(failure).toMatchObject({
      retryable: false,
      outcomeUnknown: false,
      code: 'INVALID_ARGUMENT',
    });
  });

  it('waits out a new subproject that Sinch does not serve yet, but only within the grace', () => {
    const notYet = upstream({ kind: 'not_found', status: 404 });
    const young = failureOf(notYet, { ...at, subprojectCreatedAt: NOW - 10_000 });
    expect(young).toMatchObject({ retryable: true });
    expect(young.message).toMatch(/not usable yet/);
    expect(failureOf(notYet, { ...at, subprojectCreatedAt: NOW - 100_000 }).retryable).toBe(false);
    expect(
      failureOf(notYet, { ...at, step: 'SINCH_SUBPROJECT', subprojectCreatedAt: NOW - 10_000 })
        .retryable,
    ).toBe(false);
  });

  it('takes a step’s own failure as it says, and retries the unexpected as unknown', () => {
    expect(failureOf(new StepFailure('SENDER_NOT_ACTIVE', 'not yet', false), at)).toMatchObject({
      code: 'SENDER_NOT_ACTIVE',
      retryable: false,
      outcomeUnknown: false,
    });
    expect(failureOf(new TypeError('boom'), at)).toMatchObject({
      code: 'INTERNAL',
      retryable: true,
      outcomeUnknown: true,
    });
  });
});

describe('when the next attempt runs', () => {
  it('never after a failure a retry cannot help, nor past the last attempt', () => {
    expect(nextAttempt({ retryable: false }, 1, settings)).toEqual({ retry: false });
    expect(nextAttempt({ retryable: true }, 5, settings)).toEqual({ retry: false });
  });

  it('honours the upstream’s Retry-After', () => {
    expect(nextAttempt({ retryable: true, retryAfterMs: 7_000 }, 1, settings)).toEqual({
      retry: true,
      delayMs: 7_000,
    });
  });

  it('backs off exponentially with jitter in the upper half, up to a minute', () => {
    const delay = (attempt: number, random: number) => {
      const next = nextAttempt(
        { retryable: true },
        attempt,
        { ...settings, stepMaxAttempts: 50 },
        () => random,
      );
      return next.retry ? next.delayMs : undefined;
    };
    expect([delay(1, 0), delay(1, 1)]).toEqual([500, 1_000]);
    expect([delay(3, 0), delay(3, 1)]).toEqual([2_000, 4_000]);
    expect([delay(20, 0), delay(20, 1)]).toEqual([30_000, 60_000]);
  });
});
