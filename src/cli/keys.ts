// `keys create`, `keys list`, `keys revoke`: partner API keys, as an operator reads them.
import { createApiKey } from '../auth/api-keys.ts';
import type { ApiKeyRow, ApiKeyScope } from '../db/schema.ts';
import type { ApiKeyStore } from '../db/store.ts';
import { EXIT } from './usage.ts';

/** What a command has to say: printed to stdout when it succeeded, to stderr when it failed. */
export interface Outcome {
  code: number;
  lines: string[];
}

/** `2025-01-31 09:05 UTC`: one format for every time the CLI shows, to the minute. */
export function utc(millis: number): string {
  const iso = new Date(millis).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export async function createKey(
  store: ApiKeyStore,
  input: { name: string; scopes: ApiKeyScope[] },
): Promise<Outcome> {
  const created = await createApiKey(store, input);
  return {
    code: EXIT.ok,
    lines: [
      `Created API key ${created.id} "${created.name}" with scopes ${created.scopes.join(', ')}.`,
      'Store it now: it is shown only this once.',
      created.key,
    ],
  };
}

export async function listKeys(store: ApiKeyStore): Promise<Outcome> {
  const keys = await store.list();
  if (keys.length === 0) return { code: EXIT.ok, lines: ['No API keys yet.'] };
  return {
    code: EXIT.ok,
    lines: table(['ID', 'NAME', 'SCOPES', 'CREATED', 'STATE'], keys.map(row)),
  };
}

function row(key: ApiKeyRow): string[] {
  const state = key.revokedAt === null ? 'active' : `revoked ${utc(key.revokedAt)}`;
  return [key.id, key.name, key.scopes.join(','), utc(key.createdAt), state];
}

/** Columns two spaces apart, each as wide as its widest cell; the last one is not padded. */
function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((cells) => cells[column]!.length)));
  return all.map((cells) =>
    cells
      .map((cell, column) => (column < cells.length - 1 ? cell.padEnd(widths[column]!) : cell))
      .join('  '),
  );
}

export async function revokeKey(
  store: ApiKeyStore,
  id: string,
  now = Date.now(),
): Promise<Outcome> {
  const result = await store.revoke(id, now);
  if (result === 'not_found') return { code: EXIT.failed, lines: [`No API key ${id}.`] };
  if (result === 'revoked') {
    return {
      code: EXIT.ok,
      lines: [`Revoked API key ${id}. It is refused from the next request on.`],
    };
  }
  // Exit 0: what the operator asked for holds (the key is refused), so a script that revokes a
  // list of keys, or runs twice, does not fail; the line tells a person it was nothing new.
  const revokedAt = (await store.find(id))?.revokedAt;
  const when = revokedAt ? ` at ${utc(revokedAt)}` : '';
  return {
    code: EXIT.ok,
    lines: [`API key ${id} was already revoked${when}; nothing changed.`],
  };
}
