// Subprojects, Provisioning and Conversation all accept an OAuth2 token from the fake's token
// endpoint or the project key itself over HTTP Basic (contracts B.1, B.2).
import type { SandboxState } from '../sandbox/sandbox.ts';

export interface BasicCredentials {
  id: string;
  secret: string;
}

export function parseBasic(header: string | null): BasicCredentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

export function isSandboxKey(sandbox: SandboxState, key: BasicCredentials | undefined): boolean {
  return (
    key !== undefined &&
    key.id === sandbox.credentials.sinchKeyId &&
    key.secret === sandbox.credentials.sinchKeySecret
  );
}

export function isAuthorizedForSinch(sandbox: SandboxState, request: Request): boolean {
  const header = request.headers.get('authorization');
  const bearer = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? '')?.[1];
  if (bearer === undefined) return isSandboxKey(sandbox, parseBasic(header));
  const token = sandbox.db.accessTokens.findFirst((q) => q.where({ access_token: bearer }));
  return token !== undefined && token.expiresAt > Date.now();
}
