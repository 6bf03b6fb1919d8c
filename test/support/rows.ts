import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
// The rows of a table, whichever store a test gateway runs on: for tests that check what was (or
// was not) written, beyond what GraphQL shows.
import { SqliteStore } from '../../src/db/client.ts';
import { PostgresStore } from '../../src/db/pg/client.ts';
import * as pg from '../../src/db/pg/schema.ts';
import * as sqlite from '../../src/db/schema.ts';
import type { Store } from '../../src/db/store.ts';

interface Tables {
  onboardings: sqlite.OnboardingRow;
  senders: sqlite.SenderRow;
  onboardingEvents: sqlite.OnboardingEventRow;
  webhookDeliveries: sqlite.WebhookDeliveryRow;
  steps: sqlite.StepRow;
}

/** Each table by the name tests use, in both dialects. */
const TABLES = {
  onboardings: [sqlite.onboardings, pg.onboardings],
  senders: [sqlite.senders, pg.senders],
  onboardingEvents: [sqlite.onboardingEvents, pg.onboardingEvents],
  webhookDeliveries: [sqlite.webhookDeliveries, pg.webhookDeliveries],
  steps: [sqlite.steps, pg.steps],
} as const;

export async function tableRows<T extends keyof Tables>(
  store: Store,
  table: T,
): Promise<Tables[T][]> {
  if (store instanceof SqliteStore) {
    return store.db
      .select()
      .from(TABLES[table][0] as SQLiteTable)
      .all() as Tables[T][];
  }
  if (store instanceof PostgresStore) {
    return (await store.db.select().from(TABLES[table][1] as PgTable)) as Tables[T][];
  }
  throw new Error('unknown store');
}

/**
 * Every `table.column` holding any of the values, by name (`what in table.column`): a scan of every
 * column of every table, whichever store, for what must never be stored in the clear.
 */
export async function columnsContaining(
  store: Store,
  values: Record<string, string>,
): Promise<string[]> {
  const found: string[] = [];
  if (store instanceof SqliteStore) {
    const { sqlite } = store;
    const tables = sqlite.prepare("select name from sqlite_master where type = 'table'").all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      const columns = sqlite.prepare(`pragma table_info("${name}")`).all() as { name: string }[];
      for (const column of columns) {
        for (const [what, value] of Object.entries(values)) {
          const hit = sqlite
            .prepare(
              `select count(*) as n from "${name}" where instr(cast("${column.name}" as text), ?) > 0`,
            )
            .get(value) as { n: number };
          if (hit.n > 0) found.push(`${what} in ${name}.${column.name}`);
        }
      }
    }
    return found;
  }
  if (store instanceof PostgresStore) {
    const { rows: columns } = await store.pool.query<{ t: string; c: string }>(
      `select table_schema || '.' || table_name as t, column_name as c from information_schema.columns
        where table_schema in ('public', 'drizzle') order by 1, 2`,
    );
    for (const { t, c } of columns) {
      const [schema, table] = t.split('.');
      for (const [what, value] of Object.entries(values)) {
        const { rows } = await store.pool.query<{ n: number }>(
          `select count(*)::int as n from "${schema}"."${table}" where position($1 in cast("${c}" as text)) > 0`,
          [value],
        );
        if ((rows[0]?.n ?? 0) > 0) found.push(`${what} in ${table}.${c}`);
      }
    }
    return found;
  }
  throw new Error('unknown store');
}

/**
 * Everything the store wrote, as bytes: SQLite's files (after a checkpoint, so the log is in the
 * file too), or PostgreSQL's whole database as pg_dump prints it.
 */
export function databaseBytes(t: {
  gateway: { database: Store };
  dir: string;
  databaseUrl?: string;
}): { file: string; bytes: Buffer }[] {
  const store = t.gateway.database;
  if (store instanceof SqliteStore) {
    store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const base = join(t.dir, 'gateway.sqlite');
    return [base, `${base}-wal`, `${base}-shm`].flatMap((file) => {
      try {
        return [{ file, bytes: readFileSync(file) }];
      } catch {
        return [];
      }
    });
  }
  if (store instanceof PostgresStore && t.databaseUrl) {
    return [{ file: 'pg_dump', bytes: execFileSync('pg_dump', [t.databaseUrl]) }];
  }
  throw new Error('unknown store');
}

/**
 * Rewrites one onboarding column the way something other than the gateway would: through a
 * connection of its own (for SQLite, a second connection to the file).
 */
export async function overwriteOnboardingColumn(
  t: { gateway: { database: Store }; dir: string },
  id: string,
  column: 'sendzen_api_key_sealed',
  change: (value: string) => string,
): Promise<void> {
  const store = t.gateway.database;
  if (store instanceof SqliteStore) {
    const disk = new Database(join(t.dir, 'gateway.sqlite'));
    try {
      const value = disk
        .prepare(`select ${column} from onboardings where id = ?`)
        .pluck()
        .get(id) as string;
      disk.prepare(`update onboardings set ${column} = ? where id = ?`).run(change(value), id);
    } finally {
      disk.close();
    }
    return;
  }
  if (store instanceof PostgresStore) {
    const { rows } = await store.pool.query(
      `select ${column} as v from onboardings where id = $1`,
      [id],
    );
    await store.pool.query(`update onboardings set ${column} = $1 where id = $2`, [
      change(rows[0].v),
      id,
    ]);
    return;
  }
  throw new Error('unknown store');
}
