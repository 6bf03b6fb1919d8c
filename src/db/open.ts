// Which store the configuration asks for: PostgreSQL when DATABASE_URL is set, else the SQLite
// file (the embedded default, which needs no configuration).
import type { Config } from '../config.ts';
import { openSqliteStore } from './client.ts';
import type { Store } from './store.ts';

export async function openStore(config: Pick<Config, 'database' | 'databaseFile'>): Promise<Store> {
  if (!config.database) return openSqliteStore(config.databaseFile);
  // Loaded only when asked for: an embedded gateway never pays for the driver.
  const { PostgresStore } = await import('./pg/client.ts');
  return PostgresStore.open(config.database.url, { poolSize: config.database.poolSize });
}
