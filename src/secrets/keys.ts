// Where the sealing keys come from. Live mode: SECRETS_KEY seals, SECRETS_PREVIOUS_KEYS still open
// what older keys sealed (during a rotation). Sandbox mode: a key file beside the database, readable
// by its owner only, made on first start so `npm start` needs no setup; its first line seals.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { keyFromBase64, type SecretKey } from './seal.ts';

export interface KeySource {
  configured?: string;
  previous?: readonly string[];
  databaseFile: string;
}

export function newKeyBase64(): string {
  return randomBytes(32).toString('base64');
}

export function keyFilePath(databaseFile: string): string {
  return join(dirname(resolve(databaseFile)), 'secrets.key');
}

export function loadSecretKeys(source: KeySource): SecretKey[] {
  if (source.configured) {
    return [source.configured, ...(source.previous ?? [])].map(keyFromBase64);
  }
  if (source.databaseFile === ':memory:') return [keyFromBase64(newKeyBase64())];
  const file = keyFilePath(source.databaseFile);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    // `wx` fails if another process created it first, rather than overwriting its key.
    writeFileSync(file, `${newKeyBase64()}\n`, { mode: 0o600, flag: 'wx' });
  }
  return readKeyFile(file).map(keyFromBase64);
}

export function readKeyFile(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

export function writeKeyFile(file: string, keys: readonly string[]): void {
  writeFileSync(file, `${keys.join('\n')}\n`, { mode: 0o600 });
}
