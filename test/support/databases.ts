// Which store the gateway suites run against: SQLite by default, PostgreSQL with
// TEST_STORE=postgres (what `npm run test:postgres` and .ci/run set). Each PostgreSQL gateway gets a
// database of its own, made here and dropped when the suite closes it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_STORE: 'sqlite' | 'postgres' =
  process.env.TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** Where databases are made and dropped: the machine's PostgreSQL, trust authentication. */
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Every test database's name starts with this, so a crashed run's leftovers are recognisable. */
export const TEST_DATABASE_PREFIX = 'gwtest_';

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty PostgreSQL database; its URL. */
export async function createTestDatabase(): Promise<string> {
  const name = `${TEST_DATABASE_PREFIX}${process.pid}_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!name.startsWith(TEST_DATABASE_PREFIX)) throw new Error(`not a test database: ${name}`);
  // FORCE ends connections a killed gateway left behind.
  await admin((c) => c.query(`drop database if exists ${name} with (force)`));
}

/**
 * The environment that points a test gateway at the store under test, and how to clean it up:
 * nothing for SQLite (the file lives in the suite's folder), a fresh database for PostgreSQL.
 */
export async function testStoreEnv(): Promise<{
  env: Record<string, string>;
  drop(): Promise<void>;
}> {
  if (TEST_STORE === 'sqlite') return { env: {}, drop: async () => {} };
  const url = await createTestDatabase();
  return { env: { DATABASE_URL: url }, drop: () => dropTestDatabase(url) };
}
