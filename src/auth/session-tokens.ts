// Onboarding session tokens: what a vendor's browser holds. Scoped to one onboarding, valid as long
// as its iframe link (an hour), and good only to read that onboarding, subscribe to it and relay its
// signup result. Stateless: an HMAC over the onboarding id and expiry, so checking one costs no
// database read. The signing key is derived from the secrets key, never used for anything else.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { SecretKey } from '../secrets/seal.ts';

export const SESSION_LIFETIME_MS = 60 * 60 * 1000;
const PREFIX = 'gws_';

export interface SessionClaims {
  onboardingId: string;
  expiresAt: number;
}

export class SessionTokens {
  readonly #key: Buffer;

  constructor(secretsKey: SecretKey) {
    this.#key = Buffer.from(
      hkdfSync('sha256', secretsKey.key, Buffer.alloc(0), 'onboarding-session-token', 32),
    );
  }

  issue(
    onboardingId: string,
    now = Date.now(),
    lifetimeMs = SESSION_LIFETIME_MS,
  ): { token: string; expiresAt: number } {
    const expiresAt = now + lifetimeMs;
    const payload = Buffer.from(JSON.stringify({ o: onboardingId, e: expiresAt })).toString(
      'base64url',
    );
    return { token: `${PREFIX}${payload}.${this.#sign(payload)}`, expiresAt };
  }

  /** The claims of a genuine, unexpired token; undefined for anything else. */
  verify(token: string, now = Date.now()): SessionClaims | undefined {
    if (!token.startsWith(PREFIX)) return undefined;
    const [payload, signature] = token.slice(PREFIX.length).split('.');
    if (!payload || !signature) return undefined;
    const expected = Buffer.from(this.#sign(payload), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        o?: unknown;
        e?: unknown;
      };
      if (typeof claims.o !== 'string' || typeof claims.e !== 'number' || claims.e <= now)
        return undefined;
      return { onboardingId: claims.o, expiresAt: claims.e };
    } catch {
      return undefined;
    }
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url');
  }
}

export function isSessionToken(value: string): boolean {
  return value.startsWith(PREFIX);
}
