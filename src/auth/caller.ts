// Who is calling: resolved from the bearer credential once per HTTP request, and once per operation
// on a WebSocket (a socket outlives the check made when it connected, and a key or a session may be
// revoked meanwhile). Either way a credential costs one look-up: a partner key's record, or the
// session generation of a session token's onboarding.
import type { ApiKeyScope } from '../db/schema.ts';
import type { ApiKeyStore } from '../db/store.ts';
import { verifyApiKey } from './api-keys.ts';
import { isSessionToken, type SessionTokens } from './session-tokens.ts';

export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'partner'; keyId: string; name: string; scopes: ReadonlySet<ApiKeyScope> }
  | { kind: 'session'; onboardingId: string; expiresAt: number; generation: number }
  /** A socket's credential that was valid when it connected and is no longer (revoked). */
  | { kind: 'invalid' };

/** A credential was presented but is not valid (unknown, revoked, expired, forged). */
export const INVALID = Symbol('invalid credential');

export interface CallerResolver {
  resolve(authorization: string | null | undefined): Promise<Caller | typeof INVALID>;
}

/** The onboarding's current session generation; undefined when there is no such onboarding. */
export type SessionGeneration = (onboardingId: string) => Promise<number | undefined>;

export function createCallerResolver(
  keys: ApiKeyStore,
  sessions: SessionTokens,
  sessionGeneration: SessionGeneration,
): CallerResolver {
  return {
    async resolve(authorization) {
      if (!authorization) return { kind: 'anonymous' };
      const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      if (!match) return INVALID;
      const credential = match[1]!;
      if (isSessionToken(credential)) {
        const claims = sessions.verify(credential);
        if (!claims) return INVALID;
        // Revoked: the onboarding finished, or a newer session was issued with revokeOthers.
        const current = await sessionGeneration(claims.onboardingId);
        return current === claims.generation ? { kind: 'session', ...claims } : INVALID;
      }
      const key = await verifyApiKey(keys, credential);
      if (!key) return INVALID;
      // admin implies write implies read: a key is given the least it needs, and more includes less.
      const scopes = new Set<ApiKeyScope>(key.scopes);
      if (scopes.has('admin')) scopes.add('write');
      if (scopes.has('write')) scopes.add('read');
      return { kind: 'partner', keyId: key.id, name: key.name, scopes };
    },
  };
}

export function describeCaller(caller: Caller): string {
  switch (caller.kind) {
    case 'partner':
      return `API key "${caller.name}" (${caller.keyId})`;
    case 'session':
      return `session for onboarding ${caller.onboardingId}`;
    default:
      return 'anonymous';
  }
}
