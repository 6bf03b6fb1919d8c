// Each upstream fails in its own format (contracts A.1, B.1, C.3, D.1, E.4); the fake answers in
// exactly that format, whether the error comes from a handler, a scripted fault or a missing route.
import { HttpResponse } from 'msw';
import type { UpstreamName } from '../sandbox/upstreams.ts';

type ExtraHeaders = Record<string, string>;

/**
 * The challenge Sinch's APIs send with a 401, bad key and expired token alike (Sinch's error
 * registry, contracts B.3): Basic, whichever scheme the refused request used.
 */
export const SINCH_CHALLENGE = 'Basic realm="Realm"';

/** The token endpoint's challenge for bad client credentials (contracts gap 5, an assumption). */
export const TOKEN_CHALLENGE = 'Basic realm="sinch", error="invalid_client"';

export function sendzenError(
  status: number,
  error: string,
  message: string,
  headers?: ExtraHeaders,
) {
  return HttpResponse.json({ error, message }, { status, headers });
}

export function oauthError(
  status: number,
  error: string,
  description?: string,
  headers?: ExtraHeaders,
) {
  const body = description === undefined ? { error } : { error, error_description: description };
  return HttpResponse.json(body, { status, headers: { 'cache-control': 'no-store', ...headers } });
}

export function rpcError(
  status: number,
  rpcStatus: string,
  message: string,
  details: unknown[] = [],
  headers?: ExtraHeaders,
) {
  return HttpResponse.json(
    { error: { code: status, message, status: rpcStatus, details } },
    { status, headers },
  );
}

export function papiError(
  status: number,
  errorCode: string,
  message: string,
  resolution: string,
  additionalInformation?: Record<string, unknown>,
  headers?: ExtraHeaders,
) {
  const body = additionalInformation
    ? { errorCode, message, resolution, additionalInformation }
    : { errorCode, message, resolution };
  return HttpResponse.json(body, { status, headers });
}

/** Subprojects' and Conversation's 401 (contracts C.3, E.4), with Sinch's challenge. */
export const rpcUnauthenticated = () =>
  rpcError(401, 'UNAUTHENTICATED', 'Request had invalid credentials.', [], {
    'www-authenticate': SINCH_CHALLENGE,
  });

/** The google.rpc.BadRequest detail Google-style APIs attach to INVALID_ARGUMENT. */
export function badRequestDetail(problems: { field: string; description: string }[]) {
  return {
    '@type': 'type.googleapis.com/google.rpc.BadRequest',
    fieldViolations: problems,
  };
}

const RPC_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const SHORT_CODE: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limited',
  500: 'internal_error',
  501: 'not_implemented',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

const PAPI_CODE: Record<number, string> = {
  ...SHORT_CODE,
  401: 'unauthorized_error',
  429: 'too_many_requests',
};

const HUMAN: Record<number, string> = {
  429: 'Too many requests. Slow down and retry later.',
  500: 'An internal error occurred.',
  502: 'The service received an invalid response from an upstream server.',
  503: 'The service is temporarily unavailable.',
  504: 'The service timed out.',
};

function fallbackCode(table: Record<number, string>, status: number): string {
  return table[status] ?? (status >= 500 ? table[500]! : table[400]!);
}

export interface UpstreamErrorOptions {
  message?: string;
  /** Seconds or an HTTP date, sent as Retry-After. */
  retryAfter?: number | string;
}

/** The error a given upstream answers with for a given status (faults and unmatched routes). */
export function upstreamError(
  upstream: UpstreamName,
  status: number,
  options: UpstreamErrorOptions = {},
) {
  const message = options.message ?? HUMAN[status] ?? `The request failed with status ${status}.`;
  const headers: ExtraHeaders =
    options.retryAfter === undefined ? {} : { 'retry-after': String(options.retryAfter) };
  // A scripted 401 from Sinch carries the same challenge as a real refusal (SendZen's has none).
  if (status === 401 && upstream !== 'sendzen') {
    headers['www-authenticate'] = upstream === 'sinch-auth' ? TOKEN_CHALLENGE : SINCH_CHALLENGE;
  }
  switch (upstream) {
    case 'sendzen':
      return sendzenError(status, fallbackCode(SHORT_CODE, status), message, headers);
    case 'sinch-auth': {
      const error =
        status === 429 || status >= 500
          ? 'temporarily_unavailable'
          : status === 401
            ? 'invalid_client'
            : fallbackCode(SHORT_CODE, status);
      return oauthError(status, error, message, headers);
    }
    case 'provisioning':
      return papiError(
        status,
        fallbackCode(PAPI_CODE, status),
        message,
        status === 429 || status >= 500 ? 'Retry the request later.' : 'Check the request.',
        undefined,
        headers,
      );
    case 'subprojects':
    case 'conversation': {
      const details =
        typeof options.retryAfter === 'number'
          ? [
              {
                '@type': 'type.googleapis.com/google.rpc.RetryInfo',
                retryDelay: `${options.retryAfter}s`,
              },
            ]
          : [];
      return rpcError(status, fallbackCode(RPC_STATUS, status), message, details, headers);
    }
  }
}
