// The one error every upstream call fails with. Callers branch on `kind` and `retryable`; the
// upstream's own `code` ("used_phone_number_id", "INVALID_ARGUMENT", ...) travels along so a person
// can tell what the upstream meant. Messages are redacted before they are stored here.

export const UPSTREAM_ERROR_KINDS = [
  'timeout',
  'rate_limited',
  'unavailable',
  'conflict',
  'invalid_request',
  'unauthorized',
  'not_found',
  'bad_response',
  'network',
] as const;
export type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number];

export type UpstreamName =
  | 'sendzen'
  | 'sinch-auth'
  | 'sinch-subprojects'
  | 'sinch-provisioning'
  | 'sinch-conversation';

const RETRYABLE_KINDS: ReadonlySet<UpstreamErrorKind> = new Set([
  'timeout',
  'rate_limited',
  'unavailable',
  'network',
]);

export interface UpstreamErrorDetails {
  kind: UpstreamErrorKind;
  upstream: UpstreamName;
  method: string;
  path: string;
  status?: number;
  /** The upstream's own machine code, when its error body carried one. */
  code?: string;
  /** The upstream's own human message (redacted). */
  upstreamMessage?: string;
  /** How long the upstream asked us to wait (from Retry-After). */
  retryAfterMs?: number;
  /**
   * True when a create may have taken effect although it failed (a timeout or reset after the
   * request was sent, a 500, a 2xx whose body cannot be read). Before repeating it, look the
   * resource up (ARCHITECTURE decision 6).
   */
  outcomeUnknown?: boolean;
  attempts: number;
  /** A short description of the low-level cause (an undici error code), never its raw object. */
  cause?: string;
}

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  readonly kind: UpstreamErrorKind;
  readonly upstream: UpstreamName;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly upstreamMessage: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly outcomeUnknown: boolean;
  readonly attempts: number;
  /**
   * Whether the same call may succeed later. An unknown outcome always may: the caller looks up
   * what the first call did before it repeats it, so a create answered with an unreadable 2xx is
   * retryable although a read answered that way is not.
   */
  readonly retryable: boolean;

  constructor(details: UpstreamErrorDetails, message?: string) {
    super(message ?? describe(details));
    this.kind = details.kind;
    this.upstream = details.upstream;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.code = details.code;
    this.upstreamMessage = details.upstreamMessage;
    this.retryAfterMs = details.retryAfterMs;
    this.outcomeUnknown = details.outcomeUnknown ?? false;
    this.attempts = details.attempts;
    this.retryable = RETRYABLE_KINDS.has(details.kind) || this.outcomeUnknown;
    if (details.cause) this.cause = details.cause;
  }

  /** A copy with the attempt count of the whole call, once retries are over. */
  withAttempts(attempts: number): UpstreamError {
    return new UpstreamError({ ...this.details(), attempts }, this.message);
  }

  details(): UpstreamErrorDetails {
    return {
      kind: this.kind,
      upstream: this.upstream,
      method: this.method,
      path: this.path,
      status: this.status,
      code: this.code,
      upstreamMessage: this.upstreamMessage,
      retryAfterMs: this.retryAfterMs,
      outcomeUnknown: this.outcomeUnknown,
      attempts: this.attempts,
      cause: typeof this.cause === 'string' ? this.cause : undefined,
    };
  }

  toJSON() {
    return { name: this.name, message: this.message, retryable: this.retryable, ...this.details() };
  }
}

function describe(d: UpstreamErrorDetails): string {
  const what = d.status ? `HTTP ${d.status}` : d.kind;
  const code = d.code ? ` ${d.code}` : '';
  const said = d.upstreamMessage ? `: ${d.upstreamMessage}` : '';
  return `${d.upstream} ${d.method} ${d.path} failed (${what}${code})${said}`;
}

/** The kind an HTTP error status means, whichever upstream sent it. */
export function kindForStatus(status: number): UpstreamErrorKind {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 409 || status === 412 || status === 424) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  return 'invalid_request';
}
