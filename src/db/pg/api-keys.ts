// Partner API keys in PostgreSQL. Authenticating a request is one `find` by the key's id.
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { ApiKeyRow } from '../schema.ts';
import type { ApiKeyStore } from '../store.ts';
import { withoutParams } from './rows.ts';
import * as schema from './schema.ts';

const { apiKeys } = schema;

export class PgApiKeyStore implements ApiKeyStore {
  readonly #db: NodePgDatabase<typeof schema>;

  constructor(db: NodePgDatabase<typeof schema>) {
    this.#db = db;
  }

  ensure(row: Omit<ApiKeyRow, 'revokedAt' | 'lastUsedAt'>): Promise<void> {
    return withoutParams(async () => {
      await this.#db.insert(apiKeys).values(row).onConflictDoNothing();
    });
  }

  find(id: string): Promise<ApiKeyRow | undefined> {
    return withoutParams(async () => {
      const [row] = await this.#db.select().from(apiKeys).where(eq(apiKeys.id, id));
      return row;
    });
  }

  revoke(id: string, at: number): Promise<'revoked' | 'already_revoked' | 'not_found'> {
    return withoutParams(async () => {
      const revoked = await this.#db
        .update(apiKeys)
        .set({ revokedAt: at })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .returning({ id: apiKeys.id });
      if (revoked.length > 0) return 'revoked';
      return (await this.find(id)) ? 'already_revoked' : 'not_found';
    });
  }

  list(): Promise<ApiKeyRow[]> {
    return withoutParams(() =>
      this.#db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id)),
    );
  }
}
