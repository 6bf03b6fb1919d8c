// Where the sealing key comes from: configuration in live mode; in sandbox mode a key generated
// once and kept beside the database, readable by its owner only, so `npm start` needs no setup
// and a restart can still open what the previous run sealed.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { keyFromBase64, type SecretKey } from './seal.ts';

export function loadSecretKeys(options: {
  configured?: string;
  databaseFile: string;
}): SecretKey[] {
  if (options.configured) return [keyFromBase64(options.configured)];
  if (options.databaseFile === ':memory:')
    return [keyFromBase64(randomBytes(32).toString('base64'))];
  const file = join(dirname(resolve(options.databaseFile)), 'secrets.key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    // `wx` fails if another process created it first, rather than overwriting its key.
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return [keyFromBase64(readFileSync(file, 'utf8').trim())];
}
