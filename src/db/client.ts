// The SQLite store: opens the database the way every connection must be opened (WAL, foreign keys,
// a busy timeout), applies the committed migrations, and serves the repositories.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { projectPath } from '../paths.ts';
import { EnqueuedSignal } from './enqueued.ts';
import * as schema from './schema.ts';
import { SEALED_COLUMNS } from './sealed-columns.ts';
import { SqliteApiKeyStore } from './sqlite/api-keys.ts';
import { SqliteDeliveryStore } from './sqlite/deliveries.ts';
import { SqliteEventEndpointStore } from './sqlite/event-endpoints.ts';
import { SqliteOnboardingStore } from './sqlite/onboardings.ts';
import type { SealedValueContext, Store } from './store.ts';

export type Db = BetterSQLite3Database<typeof schema>;

const MIGRATIONS = projectPath('drizzle', 'sqlite');

/** How many migrations are committed: /readyz holds back until that many are applied. */
const COMMITTED_MIGRATIONS = (
  JSON.parse(readFileSync(resolve(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as {
    entries: unknown[];
  }
).entries.length;

export class SqliteStore implements Store {
  /** One file, one gateway process. */
  readonly shared = false;
  readonly sqlite: Database.Database;
  /** drizzle over the same connection: for the migrator, and for tests that inspect the rows. */
  readonly db: Db;
  readonly onboardings: SqliteOnboardingStore;
  readonly apiKeys: SqliteApiKeyStore;
  readonly deliveries: SqliteDeliveryStore;
  readonly eventEndpoints: SqliteEventEndpointStore;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
    const sqlite = new Database(file);
    // WAL lets readers (queries, subscriptions) run beside the writer; NORMAL is durable in WAL
    // mode against process crashes, and a rollback journal measured 50-100x slower here.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    // Off by default in SQLite, per connection.
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    this.sqlite = sqlite;
    this.db = drizzle(sqlite, { schema });
    migrate(this.db, { migrationsFolder: MIGRATIONS });
    const enqueued = new EnqueuedSignal();
    this.onboardings = new SqliteOnboardingStore(sqlite, enqueued);
    this.apiKeys = new SqliteApiKeyStore(sqlite);
    this.deliveries = new SqliteDeliveryStore(sqlite);
    this.eventEndpoints = new SqliteEventEndpointStore(sqlite, enqueued);
  }

  async resealAll(
    reseal: (sealed: string, context: SealedValueContext) => string,
  ): Promise<number> {
    let count = 0;
    const tables = Object.entries(SEALED_COLUMNS) as [
      keyof typeof SEALED_COLUMNS,
      (typeof SEALED_COLUMNS)[keyof typeof SEALED_COLUMNS],
    ][];
    this.sqlite
      .transaction(() => {
        for (const [table, columns] of tables) {
          const rows = this.sqlite
            .prepare(`select id, ${columns.map(([c]) => c).join(', ')} from ${table}`)
            .all() as Record<string, string | null>[];
          for (const [column, kind] of columns) {
            const update = this.sqlite.prepare(`update ${table} set ${column} = ? where id = ?`);
            for (const row of rows) {
              const sealed = row[column];
              if (sealed === null || sealed === undefined) continue;
              count++;
              const moved = reseal(sealed, { table, rowId: row.id!, kind });
              if (moved !== sealed) update.run(moved, row.id);
            }
          }
        }
      })
      .immediate();
    this.onboardings.forgetCached();
    return count;
  }

  async ready(): Promise<boolean> {
    if (!this.sqlite.open) return false;
    try {
      const row = this.sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as {
        n: number;
      };
      return row.n >= COMMITTED_MIGRATIONS;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.sqlite.open) this.sqlite.close();
  }
}

export function openSqliteStore(file: string): SqliteStore {
  return new SqliteStore(file);
}
