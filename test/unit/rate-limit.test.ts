import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../src/auth/rate-limit.ts';
import { loadConfig } from '../../src/config.ts';

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const takeN = (buckets: TokenBuckets, key: string, n: number) =>
  Array.from({ length: n }, () => buckets.take(key).ok);

describe('a token bucket per caller', () => {
  it('lets a fresh caller spend its burst at once, and refuses the next', () => {
    const clock = fakeClock();
    const buckets = new TokenBuckets({ perMinute: 60, burst: 5 }, clock.now);
    expect(takeN(buckets, 'a', 5)).toEqual([true, true, true, true, true]);
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterMs: 1_000 });
  });

  it('says exactly how long until the next token, counting what has refilled already', () => {
    const clock = fakeClock();
    // One token every 2.5 s.
    const buckets = new TokenBuckets({ perMinute: 24, burst: 2 }, clock.now);
    takeN(buckets, 'a', 2);
    clock.advance(1_000);
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterMs: 1_500 });
    clock.advance(1_499);
    expect(buckets.take('a').ok).toBe(false);
    clock.advance(1);
    expect(buckets.take('a').ok).toBe(true);
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterMs: 2_500 });
  });

  it('refills at the per-minute rate, never above the burst', () => {
    const clock = fakeClock();
    const buckets = new TokenBuckets({ perMinute: 60, burst: 3 }, clock.now);
    takeN(buckets, 'a', 3);
    clock.advance(2_000);
    expect(takeN(buckets, 'a', 3)).toEqual([true, true, false]);
    // An hour idle still holds only the burst.
    clock.advance(3_600_000);
    expect(takeN(buckets, 'a', 4)).toEqual([true, true, true, false]);
  });

  it('keeps each caller to its own bucket', () => {
    const clock = fakeClock();
    const buckets = new TokenBuckets({ perMinute: 60, burst: 1 }, clock.now);
    expect(buckets.take('a').ok).toBe(true);
    expect(buckets.take('a').ok).toBe(false);
    expect(buckets.take('b').ok).toBe(true);
  });

  it('forgets callers idle long enough to be full again, so the map does not grow without bound', () => {
    const clock = fakeClock();
    // Full again 10 s after the last take.
    const buckets = new TokenBuckets({ perMinute: 60, burst: 10 }, clock.now);
    for (let i = 0; i < 1_000; i++) buckets.take(`caller-${i}`);
    expect(buckets.size).toBe(1_000);
    clock.advance(5_000);
    buckets.take('active');
    buckets.take('caller-0');
    expect(buckets.size).toBe(1_001);
    clock.advance(5_000);
    buckets.take('active');
    // Every caller idle for the whole window is gone; the two seen since stay.
    expect(buckets.size).toBe(2);
    // A forgotten caller starts again from a full bucket, as if it had been kept.
    expect(takeN(buckets, 'caller-1', 11).filter(Boolean)).toHaveLength(10);
  });

  it('refuses nothing when the rate is 0', () => {
    const buckets = new TokenBuckets({ perMinute: 0, burst: 1 });
    expect(takeN(buckets, 'a', 1_000).every(Boolean)).toBe(true);
    expect(buckets.size).toBe(0);
  });
});

describe('rate limit configuration', () => {
  it('defaults that leave the demo and the tests room', () => {
    expect(loadConfig({}).rateLimits).toEqual({
      apiKey: { perMinute: 6_000, burst: 1_000 },
      session: { perMinute: 120, burst: 30 },
    });
  });

  it('a low rate lowers the burst with it, unless the burst is set', () => {
    expect(loadConfig({ RATE_LIMIT_KEY_PER_MINUTE: '3' }).rateLimits.apiKey).toEqual({
      perMinute: 3,
      burst: 3,
    });
    expect(
      loadConfig({ RATE_LIMIT_SESSION_PER_MINUTE: '6', RATE_LIMIT_SESSION_BURST: '2' }).rateLimits
        .session,
    ).toEqual({ perMinute: 6, burst: 2 });
    expect(loadConfig({ RATE_LIMIT_KEY_PER_MINUTE: '0' }).rateLimits.apiKey.perMinute).toBe(0);
  });
});
