// The retry rules: what a failed attempt means for its step, and when to try again. Pure, so the
// rules are testable without a runner, a store or an upstream.
import { UpstreamError } from '../upstreams/errors.ts';
import type { StepName } from './step-names.ts';
import { StepFailure } from './steps/types.ts';

export interface StepError {
  upstream?: string;
  code: string;
  message: string;
  retryable: boolean;
  /** The attempt may have created something upstream: the next one looks before it creates. */
  outcomeUnknown: boolean;
  retryAfterMs?: number;
}

/** Steps that act inside the customer's subproject, which Sinch may not serve for ~30 s. */
const IN_SUBPROJECT: ReadonlySet<StepName> = new Set([
  'PROVISIONING_WEBHOOK',
  'WHATSAPP_SENDER',
  'CONVERSATION_APP',
  'APP_WEBHOOK',
]);

/** What an attempt's error means. Anything unexpected is retried as an unknown outcome. */
export function failureOf(
  error: unknown,
  at: {
    step: StepName;
    now: number;
    subprojectCreatedAt: number | null;
    warmupGraceMs: number;
  },
): StepError {
  if (error instanceof StepFailure) {
    return {
      upstream: error.upstream,
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      outcomeUnknown: false,
    };
  }
  if (error instanceof UpstreamError) {
    const warmingUp =
      IN_SUBPROJECT.has(at.step) &&
      at.subprojectCreatedAt !== null &&
      at.now - at.subprojectCreatedAt < at.warmupGraceMs &&
      (error.kind === 'not_found' || error.status === 403);
    return {
      upstream: error.upstream,
      code: error.code ?? error.kind.toUpperCase(),
      message: warmingUp
        ? 'The new Sinch subproject is not usable yet (Sinch takes up to about 30 s)'
        : (error.upstreamMessage ?? error.message),
      // A create that may have committed is retried: the retry looks it up before creating.
      retryable: error.retryable || warmingUp || error.outcomeUnknown,
      outcomeUnknown: error.outcomeUnknown,
      retryAfterMs: error.retryAfterMs,
    };
  }
  return {
    code: 'INTERNAL',
    message: 'Unexpected error in the gateway',
    retryable: true,
    outcomeUnknown: true,
  };
}

/**
 * Whether to try again after `attempt` failed, and after how long: the upstream's Retry-After when
 * it gave one, else an exponential backoff with jitter, doubling from the base up to a minute.
 */
export function nextAttempt(
  error: Pick<StepError, 'retryable' | 'retryAfterMs'>,
  attempt: number,
  settings: { stepMaxAttempts: number; stepRetryBaseMs: number },
  random: () => number = Math.random,
): { retry: true; delayMs: number } | { retry: false } {
  if (!error.retryable || attempt >= settings.stepMaxAttempts) return { retry: false };
  if (error.retryAfterMs !== undefined) return { retry: true, delayMs: error.retryAfterMs };
  const ceiling = Math.min(60_000, settings.stepRetryBaseMs * 2 ** (attempt - 1));
  return { retry: true, delayMs: Math.round(ceiling / 2 + (random() * ceiling) / 2) };
}
