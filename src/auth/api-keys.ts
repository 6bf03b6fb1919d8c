// Partner API keys for the vendor's servers and staff. A key reads `gwk_<id>_<secret>`: the id finds
// the row, the secret is checked against its SHA-256 (the secret is 256 random bits, so a plain
// hash is enough; a slow hash would only slow every request). Keys carry scopes and can be revoked.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { type ApiKeyRow, type ApiKeyScope, apiKeys } from '../db/schema.ts';
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

export function createApiKey(
  db: Db,
  input: { name: string; scopes: ApiKeyScope[] },
  now = Date.now(),
): CreatedApiKey {
  const id = ulid(now);
  const key = `gwk_${id}_${randomBytes(32).toString('base64url')}`;
  ensureApiKey(db, key, input, now);
  return { id, name: input.name, scopes: input.scopes, key };
}

/**
 * Makes sure a key given in configuration exists (bootstrapping a fresh database). The key's own
 * id is kept, so the same configured key maps to the same row on every start.
 */
export function ensureApiKey(
  db: Db,
  key: string,
  input: { name: string; scopes: ApiKeyScope[] },
  now = Date.now(),
) {
  const match = KEY_PATTERN.exec(key);
  if (!match)
    throw new Error(
      'a bootstrap API key must look like gwk_<26-character id>_<43-character secret>',
    );
  const [, id, secret] = match as unknown as [string, string, string];
  db.insert(apiKeys)
    .values({
      id,
      name: input.name,
      scopes: input.scopes,
      secretHash: hash(secret),
      createdAt: now,
    })
    .onConflictDoNothing()
    .run();
}

/** The key's row when the key is well-formed, known, not revoked and its secret matches. */
export function verifyApiKey(db: Db, key: string): ApiKeyRow | undefined {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  const row = db.select().from(apiKeys).where(eq(apiKeys.id, match[1]!)).get();
  if (!row || row.revokedAt !== null) return undefined;
  const given = Buffer.from(hash(match[2]!), 'hex');
  return timingSafeEqual(given, Buffer.from(row.secretHash, 'hex')) ? row : undefined;
}

/** Whether the key with this id exists and has not been revoked. */
export function isActiveApiKey(db: Db, id: string): boolean {
  const row = db
    .select({ revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(eq(apiKeys.id, id))
    .get();
  return row !== undefined && row.revokedAt === null;
}

export function revokeApiKey(db: Db, id: string, now = Date.now()): boolean {
  const result = db.update(apiKeys).set({ revokedAt: now }).where(eq(apiKeys.id, id)).run();
  return result.changes > 0;
}

export function listApiKeys(db: Db): ApiKeyRow[] {
  return db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt)).all();
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
