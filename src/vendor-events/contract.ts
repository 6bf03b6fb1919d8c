// What the vendor's backend receives: the body of each event POST and its signature. Its own room
// (not src/events/, which is the in-process bus behind subscriptions) because it is a wire
// contract: the store builds the body in the transaction that commits the event, the dispatcher
// signs it, and the README's verification snippet and the tests check it the same way.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { OnboardingEventRow, OnboardingRow } from '../db/schema.ts';

/** The header that carries `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'gateway-signature';

/** The body of one event POST, exactly as the store keeps it and the endpoint receives it. */
export function eventBody(
  onboarding: Pick<OnboardingRow, 'id' | 'clientIdentifier' | 'status'>,
  event: Omit<OnboardingEventRow, 'onboardingId'>,
): string {
  return JSON.stringify({
    id: String(event.id),
    type: event.type,
    // The id GraphQL shows, so the vendor can pass it straight back.
    onboardingId: encodeGlobalID('Onboarding', onboarding.id),
    clientIdentifier: onboarding.clientIdentifier,
    version: event.version,
    at: new Date(event.at).toISOString(),
    step: event.step,
    message: event.message,
    data: event.data,
    onboarding: { status: onboarding.status },
  });
}

/** Hex HMAC-SHA256 of `<timestamp>.<body>`: the timestamp is signed so an old POST cannot be replayed later. */
export function signEventBody(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The header value for a body sent at `timestamp` (Unix seconds). */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${signEventBody(secret, timestamp, body)}`;
}

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'malformed' | 'mismatch' | 'too old' | 'in the future' };

/**
 * Verifies a `gateway-signature` header against the raw body as received. A signature older (or
 * newer) than the tolerance is refused even when it matches: it may be a recorded POST replayed.
 */
export function verifyEventSignature(
  header: string | undefined,
  body: string,
  secret: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): SignatureCheck {
  const tolerance = options.toleranceSeconds ?? 300;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const parts = new Map(
    (header ?? '').split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = parts.get('t');
  const v1 = parts.get('v1');
  if (!t || !/^\d+$/.test(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) {
    return { ok: false, reason: 'malformed' };
  }
  const timestamp = Number(t);
  const expected = Buffer.from(signEventBody(secret, timestamp, body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(v1, 'hex'))) return { ok: false, reason: 'mismatch' };
  if (now - timestamp > tolerance) return { ok: false, reason: 'too old' };
  if (timestamp - now > tolerance) return { ok: false, reason: 'in the future' };
  return { ok: true, timestamp };
}
