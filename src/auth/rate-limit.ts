// Mutation budgets: one token bucket per API key and one per onboarding (shared by every session
// token for it, so issuing more tokens buys no more budget). Buckets live in this process: with
// several instances behind a balancer each enforces its own budget, which bounds a caller to N times
// the limit; that is enough to stop a runaway client or a stolen token, which is what this is for.
//
// Only mutations are counted: they are what reaches upstreams and writes rows. Queries are bounded by
// the armor limits and subscriptions by the transports.
import { GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { BucketLimit, RateLimits } from '../config.ts';
import type { Caller } from './caller.ts';

export type Take = { ok: true } | { ok: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  /** Idle this long, any bucket is full again: the same as no bucket, so it can go. */
  private readonly fullAfterMs: number;
  private lastSweep: number;

  constructor(
    private readonly limit: BucketLimit,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = limit.perMinute / 60_000;
    this.fullAfterMs = limit.perMinute > 0 ? limit.burst / this.perMs : 0;
    this.lastSweep = now();
  }

  take(key: string): Take {
    if (this.limit.perMinute <= 0) return { ok: true };
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.perMs) };
  }

  /** Buckets held: every caller seen within the last refill window, at most. */
  get size(): number {
    return this.buckets.size;
  }

  // At most once per refill window, so a take costs O(1) amortized and the map holds only the
  // callers active within about two windows.
  private sweep(now: number): void {
    if (now - this.lastSweep < this.fullAfterMs) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at >= this.fullAfterMs) this.buckets.delete(key);
    }
  }
}

/** What a caller is told when over its budget; over HTTP, 429 with Retry-After in whole seconds. */
export function rateLimitedError(retryAfterMs: number): GraphQLError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new GraphQLError(
    `Too many mutations from this credential: try again in ${retryAfterSeconds} s.`,
    {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds,
        // Yoga sets the response's status and headers from this and leaves it out of the body.
        http: { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } },
      },
    },
  );
}

/**
 * Takes one token per mutation operation, before any resolver runs, over every transport (HTTP,
 * SSE, graphql-ws); a refused one executes nothing.
 */
export function mutationRateLimit(
  limits: RateLimits,
  now: () => number = Date.now,
): Plugin<{ caller?: Caller }> {
  const apiKeys = new TokenBuckets(limits.apiKey, now);
  const sessions = new TokenBuckets(limits.session, now);
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const caller = args.contextValue.caller;
      const taken =
        caller?.kind === 'partner'
          ? apiKeys.take(caller.keyId)
          : caller?.kind === 'session'
            ? sessions.take(caller.onboardingId)
            : undefined;
      if (taken && !taken.ok)
        setResultAndStopExecution({ errors: [rateLimitedError(taken.retryAfterMs)] });
    },
  };
}
