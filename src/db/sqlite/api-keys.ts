// Partner API keys in SQLite. Authenticating a request is one `find` by the key's id.
import type Database from 'better-sqlite3';
import { type ApiKeyRow, apiKeys } from '../schema.ts';
import type { ApiKeyStore } from '../store.ts';
import { rowCodec } from './rows.ts';

const keyRow = rowCodec<ApiKeyRow>(apiKeys);

export class SqliteApiKeyStore implements ApiKeyStore {
  readonly #s;

  constructor(sqlite: Database.Database) {
    this.#s = {
      ensure: sqlite.prepare(keyRow.insertSql('ignore')),
      find: sqlite.prepare(`select ${keyRow.select} from api_keys where id = ?`),
      revoke: sqlite.prepare(
        'update api_keys set revoked_at = ? where id = ? and revoked_at is null',
      ),
      exists: sqlite.prepare('select 1 from api_keys where id = ?'),
      list: sqlite.prepare(
        `select ${keyRow.select} from api_keys order by created_at desc, id desc`,
      ),
    };
  }

  async ensure(row: Omit<ApiKeyRow, 'revokedAt' | 'lastUsedAt'>): Promise<void> {
    this.#s.ensure.run(keyRow.toParams({ ...row, revokedAt: null, lastUsedAt: null }));
  }

  async find(id: string): Promise<ApiKeyRow | undefined> {
    const raw = this.#s.find.get(id) as Record<string, unknown> | undefined;
    return raw ? keyRow.fromRaw(raw) : undefined;
  }

  async revoke(id: string, at: number): Promise<'revoked' | 'already_revoked' | 'not_found'> {
    if (this.#s.revoke.run(at, id).changes > 0) return 'revoked';
    return this.#s.exists.get(id) ? 'already_revoked' : 'not_found';
  }

  async list(): Promise<ApiKeyRow[]> {
    return (this.#s.list.all() as Record<string, unknown>[]).map(keyRow.fromRaw);
  }
}
