// The PostgreSQL store: a pool of connections, the committed migrations applied at start (by one
// instance at a time), and the repositories.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { projectPath } from '../../paths.ts';
import { EnqueuedSignal } from '../enqueued.ts';
import { SEALED_COLUMNS } from '../sealed-columns.ts';
import type { SealedValueContext, Store } from '../store.ts';
import { PgApiKeyStore } from './api-keys.ts';
import { PgDeliveryStore } from './deliveries.ts';
import { PgEventEndpointStore } from './event-endpoints.ts';
import { PgOnboardingStore } from './onboardings.ts';
import { driverError, withoutParams } from './rows.ts';
import * as schema from './schema.ts';

const MIGRATIONS = projectPath('drizzle', 'pg');

/** How many migrations are committed: /readyz holds back until that many are applied. */
const COMMITTED_MIGRATIONS = (
  JSON.parse(readFileSync(resolve(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as {
    entries: unknown[];
  }
).entries.length;

/** Any constant will do, as long as every instance takes the same lock around migrating. */
const MIGRATION_LOCK = 727_240_901;

export class PostgresStore implements Store {
  /** Several instances may share one database. */
  readonly shared = true;
  readonly pool: pg.Pool;
  /** drizzle over the pool: for tests that inspect the rows. */
  readonly db: NodePgDatabase<typeof schema>;
  readonly onboardings: PgOnboardingStore;
  readonly apiKeys: PgApiKeyStore;
  readonly deliveries: PgDeliveryStore;
  readonly eventEndpoints: PgEventEndpointStore;
  #closed = false;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
    this.db = drizzle(pool, { schema });
    const enqueued = new EnqueuedSignal();
    this.onboardings = new PgOnboardingStore(this.db, enqueued);
    this.apiKeys = new PgApiKeyStore(this.db);
    this.deliveries = new PgDeliveryStore(this.db);
    this.eventEndpoints = new PgEventEndpointStore(this.db, enqueued);
  }

  static async open(url: string, options: { poolSize: number }): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize });
    // An idle connection the server dropped must not take the process with it.
    pool.on('error', () => {});
    const store = new PostgresStore(pool);
    try {
      await store.#migrate();
    } catch (error) {
      await pool.end();
      throw new Error(
        `could not open the PostgreSQL database named by DATABASE_URL: ${(driverError(error) as Error).message}`,
      );
    }
    return store;
  }

  async #migrate(): Promise<void> {
    // Instances starting together take turns: the first applies, the others find it done.
    const client = await this.pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await migrate(drizzle(client), { migrationsFolder: MIGRATIONS });
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  resealAll(reseal: (sealed: string, context: SealedValueContext) => string): Promise<number> {
    return withoutParams(() =>
      this.db.transaction(async (tx) => {
        let count = 0;
        for (const [table, columns] of Object.entries(SEALED_COLUMNS) as [
          keyof typeof SEALED_COLUMNS,
          (typeof SEALED_COLUMNS)[keyof typeof SEALED_COLUMNS],
        ][]) {
          // Table and column names come from the constant above, never from input.
          const { rows } = await tx.execute<Record<string, string | null>>(
            sql.raw(`select id, ${columns.map(([c]) => c).join(', ')} from ${table} for update`),
          );
          for (const [column, kind] of columns) {
            for (const row of rows) {
              const sealed = row[column];
              if (sealed === null || sealed === undefined) continue;
              count++;
              const moved = reseal(sealed, { table, rowId: row.id!, kind });
              if (moved !== sealed) {
                await tx.execute(
                  sql`update ${sql.identifier(table)} set ${sql.identifier(column)} = ${moved} where id = ${row.id}`,
                );
              }
            }
          }
        }
        return count;
      }),
    );
  }

  async ready(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      const { rows } = await this.pool.query<{ n: number }>(
        'select count(*)::int as n from drizzle.__drizzle_migrations',
      );
      return (rows[0]?.n ?? 0) >= COMMITTED_MIGRATIONS;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }
}
