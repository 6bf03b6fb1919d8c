// Partner API keys for the vendor's servers and staff. A key reads `gwk_<id>_<secret>`: the id finds
// the row, the secret is checked against its SHA-256 (the secret is 256 random bits, so a plain
// hash is enough; a slow hash would only slow every request). Keys carry scopes and can be revoked.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRow, ApiKeyScope } from '../db/schema.ts';
import type { ApiKeyStore } from '../db/store.ts';
import { ulid } from '../ids.ts';

const KEY_PATTERN = /^gwk_([0-9A-HJKMNP-TV-Z]{26})_([A-Za-z0-9_-]{43})$/;

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

export interface CreatedApiKey {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  /** Shown once, at creation; only its hash is stored. */
  key: string;
}

export async function createApiKey(
  store: ApiKeyStore,
  input: { name: string; scopes: ApiKeyScope[] },
  now = Date.now(),
): Promise<CreatedApiKey> {
  const id = ulid(now);
  const key = `gwk_${id}_${randomBytes(32).toString('base64url')}`;
  await ensureApiKey(store, key, input, now);
  return { id, name: input.name, scopes: input.scopes, key };
}

/**
 * Makes sure a key given in configuration exists (bootstrapping a fresh database). The key's own
 * id is kept, so the same configured key maps to the same row on every start.
 */
export async function ensureApiKey(
  store: ApiKeyStore,
  key: string,
  input: { name: string; scopes: ApiKeyScope[] },
  now = Date.now(),
): Promise<void> {
  const match = KEY_PATTERN.exec(key);
  if (!match)
    throw new Error(
      'a bootstrap API key must look like gwk_<26-character id>_<43-character secret>',
    );
  const [, id, secret] = match as unknown as [string, string, string];
  await store.ensure({
    id,
    name: input.name,
    scopes: input.scopes,
    secretHash: hash(secret),
    createdAt: now,
  });
}

/**
 * The key's row when the key is well-formed, known, not revoked and its secret matches: one
 * look-up, made for every request, so a revocation takes effect at once.
 */
export async function verifyApiKey(
  store: ApiKeyStore,
  key: string,
): Promise<ApiKeyRow | undefined> {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  const row = await store.find(match[1]!);
  if (!row || row.revokedAt !== null) return undefined;
  const given = Buffer.from(hash(match[2]!), 'hex');
  return timingSafeEqual(given, Buffer.from(row.secretHash, 'hex')) ? row : undefined;
}

export function parseScopes(text: string): ApiKeyScope[] {
  const scopes = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = scopes.filter((s) => !['read', 'write', 'admin'].includes(s));
  if (unknown.length > 0 || scopes.length === 0) {
    throw new Error(`scopes must be a comma-separated list of read, write, admin (got "${text}")`);
  }
  return [...new Set(scopes)] as ApiKeyScope[];
}
