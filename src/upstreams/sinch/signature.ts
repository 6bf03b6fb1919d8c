// Sinch signs Conversation API callbacks, and (we assume, contracts D.7) Provisioning callbacks, with
// base64(HMAC-SHA256(secret, rawBody + "." + nonce + "." + timestamp)). The verifier guards the
// gateway's webhook routes; the signer is what the bundled fake uses to call them.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADERS = {
  signature: 'x-sinch-webhook-signature',
  algorithm: 'x-sinch-webhook-signature-algorithm',
  nonce: 'x-sinch-webhook-signature-nonce',
  timestamp: 'x-sinch-webhook-signature-timestamp',
} as const;

export const SIGNATURE_ALGORITHM = 'HmacSHA256';

/** Callbacks older or newer than this are refused: a captured delivery cannot be replayed later. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function computeSignature(
  secret: string,
  rawBody: string | Uint8Array,
  nonce: string,
  timestamp: string,
) {
  return createHmac('sha256', secret)
    .update(rawBody)
    .update(`.${nonce}.${timestamp}`)
    .digest('base64');
}

export interface SignOptions {
  secret: string;
  rawBody: string | Uint8Array;
  nonce?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}

/** Headers for a signed callback, as Sinch sends them. */
export function signCallback(options: SignOptions): Record<string, string> {
  const nonce = options.nonce ?? randomBytes(16).toString('hex');
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    [SIGNATURE_HEADERS.signature]: computeSignature(
      options.secret,
      options.rawBody,
      nonce,
      timestamp,
    ),
    [SIGNATURE_HEADERS.algorithm]: SIGNATURE_ALGORITHM,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
  };
}

export type SignatureRejection =
  | 'missing_signature'
  | 'unsupported_algorithm'
  | 'bad_signature'
  | 'stale_timestamp'
  | 'replayed_nonce';

export type SignatureVerdict =
  | { ok: true; nonce: string }
  | { ok: false; reason: SignatureRejection };

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  secret: string;
  rawBody: string | Uint8Array;
  headers: HeaderSource;
  /** Unix seconds; defaults to now. */
  now?: number;
  toleranceSeconds?: number;
  /**
   * Called only for a delivery whose signature and timestamp are good. Return true when the nonce
   * was seen before; the caller owns the store (memory, database) and its expiry.
   */
  isReplay?: (nonce: string) => boolean | Promise<boolean>;
}

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export async function verifyCallback(options: VerifyOptions): Promise<SignatureVerdict> {
  const signature = readHeader(options.headers, SIGNATURE_HEADERS.signature);
  const nonce = readHeader(options.headers, SIGNATURE_HEADERS.nonce);
  const timestamp = readHeader(options.headers, SIGNATURE_HEADERS.timestamp);
  if (!signature || !nonce || !timestamp) return { ok: false, reason: 'missing_signature' };

  const algorithm = readHeader(options.headers, SIGNATURE_HEADERS.algorithm);
  if (algorithm !== undefined && algorithm !== SIGNATURE_ALGORITHM) {
    return { ok: false, reason: 'unsupported_algorithm' };
  }

  const expected = Buffer.from(
    computeSignature(options.secret, options.rawBody, nonce, timestamp),
    'base64',
  );
  const given = Buffer.from(signature, 'base64');
  // timingSafeEqual throws on a length mismatch; the length of a wrong guess is not a secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }

  const sentAt = Number(timestamp);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isFinite(sentAt) || Math.abs(now - sentAt) > tolerance) {
    return { ok: false, reason: 'stale_timestamp' };
  }

  if (options.isReplay && (await options.isReplay(nonce))) {
    return { ok: false, reason: 'replayed_nonce' };
  }
  return { ok: true, nonce };
}
