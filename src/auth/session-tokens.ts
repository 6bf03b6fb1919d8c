// Onboarding session tokens: what a vendor's browser holds. Scoped to one onboarding, valid as long
// as its iframe link (an hour), and good only to read that onboarding, subscribe to it and relay its
// signup result. An HMAC over the onboarding id, the expiry and the onboarding's session generation
// when it was issued: the signature is checked without the database, and the generation against
// the onboarding's current one (auth/caller.ts), so bumping it revokes every older token at once.
// The signing key is derived from the secrets key, never used for anything else.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { SecretKey } from '../secrets/seal.ts';

export const SESSION_LIFETIME_MS = 60 * 60 * 1000;
const PREFIX = 'gws_';

export interface SessionClaims {
  onboardingId: string;
  expiresAt: number;
  /** The onboarding's session generation when the token was issued. */
  generation: number;
}

const deriveKey = (secretsKey: SecretKey) =>
  Buffer.from(hkdfSync('sha256', secretsKey.key, Buffer.alloc(0), 'onboarding-session-token', 32));

export class SessionTokens {
  /** The first signs; all verify, so rotating the secrets key does not log every browser out. */
  readonly #keys: Buffer[];

  constructor(secretsKeys: readonly SecretKey[]) {
    if (secretsKeys.length === 0) throw new Error('session tokens need a secrets key');
    this.#keys = secretsKeys.map(deriveKey);
  }

  issue(
    onboardingId: string,
    generation: number,
    now = Date.now(),
    lifetimeMs = SESSION_LIFETIME_MS,
  ): { token: string; expiresAt: number } {
    const expiresAt = now + lifetimeMs;
    const payload = Buffer.from(
      JSON.stringify({ o: onboardingId, e: expiresAt, g: generation }),
    ).toString('base64url');
    return { token: `${PREFIX}${payload}.${sign(this.#keys[0]!, payload)}`, expiresAt };
  }

  /** The claims of a genuine, unexpired token; undefined for anything else. */
  verify(token: string, now = Date.now()): SessionClaims | undefined {
    if (!token.startsWith(PREFIX)) return undefined;
    const [payload, signature] = token.slice(PREFIX.length).split('.');
    if (!payload || !signature) return undefined;
    const given = Buffer.from(signature, 'base64url');
    const genuine = this.#keys.some((key) => {
      const expected = Buffer.from(sign(key, payload), 'base64url');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!genuine) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        o?: unknown;
        e?: unknown;
        g?: unknown;
      };
      if (typeof claims.o !== 'string' || typeof claims.e !== 'number' || claims.e <= now)
        return undefined;
      // Tokens issued before generations existed belong to the first one.
      const generation = claims.g ?? 0;
      if (typeof generation !== 'number') return undefined;
      return { onboardingId: claims.o, expiresAt: claims.e, generation };
    } catch {
      return undefined;
    }
  }
}

function sign(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

export function isSessionToken(value: string): boolean {
  return value.startsWith(PREFIX);
}
