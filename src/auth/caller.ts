// Who is calling: resolved once per request (or WebSocket connection) from its bearer credential.
import type { Db } from '../db/client.ts';
import type { ApiKeyScope } from '../db/schema.ts';
import { isActiveApiKey, verifyApiKey } from './api-keys.ts';
import { isSessionToken, type SessionTokens } from './session-tokens.ts';

export type Caller =
  | { kind: 'anonymous' }
  | {
      kind: 'partner';
      keyId: string;
      name: string;
      scopes: ReadonlySet<ApiKeyScope>;
      /** Not revoked since it was checked: a WebSocket outlives the check made when it connected. */
      stillValid(): boolean;
    }
  | { kind: 'session'; onboardingId: string; expiresAt: number };

/** A credential was presented but is not valid (unknown, revoked, expired, forged). */
export const INVALID = Symbol('invalid credential');

export interface CallerResolver {
  resolve(authorization: string | null | undefined): Caller | typeof INVALID;
}

export function createCallerResolver(db: Db, sessions: SessionTokens): CallerResolver {
  return {
    resolve(authorization) {
      if (!authorization) return { kind: 'anonymous' };
      const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      if (!match) return INVALID;
      const credential = match[1]!;
      if (isSessionToken(credential)) {
        const claims = sessions.verify(credential);
        return claims ? { kind: 'session', ...claims } : INVALID;
      }
      const key = verifyApiKey(db, credential);
      if (!key) return INVALID;
      // admin implies write implies read: a key is given the least it needs, and more includes less.
      const scopes = new Set<ApiKeyScope>(key.scopes);
      if (scopes.has('admin')) scopes.add('write');
      if (scopes.has('write')) scopes.add('read');
      return {
        kind: 'partner',
        keyId: key.id,
        name: key.name,
        scopes,
        stillValid: () => isActiveApiKey(db, key.id),
      };
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
