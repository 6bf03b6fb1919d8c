// `npm run gateway -- <command>`: operator commands against the gateway's database, using the same
// configuration as `npm start` (DATABASE_FILE, SECRETS_KEY, ...).
//
//   keys create --name NAME [--scopes read,write,admin]   prints the new key once
//   keys list
//   keys revoke ID
//   secrets rotate     sandbox mode: new key file key, every secret re-sealed, old key dropped
//   secrets reseal     live mode: after setting SECRETS_KEY=new and SECRETS_PREVIOUS_KEYS=old
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createApiKey, parseScopes } from './auth/api-keys.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openStore } from './db/open.ts';
import {
  keyFilePath,
  loadSecretKeys,
  newKeyBase64,
  readKeyFile,
  writeKeyFile,
} from './secrets/keys.ts';
import { resealAll } from './secrets/rotate.ts';
import { Sealer } from './secrets/seal.ts';

const USAGE = `usage:
  npm run gateway -- keys create --name NAME [--scopes read,write,admin]
  npm run gateway -- keys list
  npm run gateway -- keys revoke ID
  npm run gateway -- secrets rotate      (sandbox mode: key file beside the database)
  npm run gateway -- secrets reseal      (live mode: SECRETS_KEY=new SECRETS_PREVIOUS_KEYS=old)`;

function out(line: string) {
  process.stdout.write(`${line}\n`);
}

export async function runCli(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, scopes: { type: 'string', default: 'read,write' } },
  });
  const [area, command, target] = positionals;
  const config = loadConfig();
  const store = await openStore(config);
  try {
    if (area === 'keys' && command === 'create') {
      if (!values.name) throw new UsageError('keys create needs --name');
      const created = await createApiKey(store.apiKeys, {
        name: values.name,
        scopes: parseScopes(values.scopes!),
      });
      out(
        `Created API key ${created.id} "${created.name}" with scopes ${created.scopes.join(', ')}.`,
      );
      out('Store it now: it is shown only this once.');
      out(created.key);
      return 0;
    }
    if (area === 'keys' && command === 'list') {
      for (const key of await store.apiKeys.list()) {
        const state = key.revokedAt ? `revoked ${new Date(key.revokedAt).toISOString()}` : 'active';
        out(`${key.id}  ${key.name}  ${key.scopes.join(',')}  ${state}`);
      }
      return 0;
    }
    if (area === 'keys' && command === 'revoke') {
      if (!target) throw new UsageError('keys revoke needs the key id');
      if ((await store.apiKeys.revoke(target, Date.now())) === 'not_found') {
        out(`No API key ${target}.`);
        return 1;
      }
      out(`Revoked API key ${target}. It is refused from the next request on.`);
      return 0;
    }
    if (area === 'secrets' && command === 'rotate') {
      if (config.secretsKey) {
        throw new UsageError(
          'the key comes from SECRETS_KEY: set SECRETS_KEY to a new key and SECRETS_PREVIOUS_KEYS to the old one, then run `secrets reseal`',
        );
      }
      const file = keyFilePath(config.databaseFile);
      loadSecretKeys({ databaseFile: config.databaseFile }); // makes the key file if there is none yet
      const old = readKeyFile(file);
      const fresh = newKeyBase64();
      writeKeyFile(file, [fresh, ...old]);
      const report = await resealAll(
        store,
        new Sealer(loadSecretKeys({ databaseFile: config.databaseFile })),
      );
      writeKeyFile(file, [fresh]);
      out(
        `Re-sealed ${report.resealed} secrets under a new key; the old key was removed from ${file}.`,
      );
      return 0;
    }
    if (area === 'secrets' && command === 'reseal') {
      const sealer = new Sealer(
        loadSecretKeys({
          configured: config.secretsKey,
          previous: config.previousSecretsKeys,
          databaseFile: config.databaseFile,
        }),
      );
      const report = await resealAll(store, sealer);
      out(`Re-sealed ${report.resealed} secrets under key ${sealer.activeKeyId}.`);
      out('Every secret now opens with SECRETS_KEY alone: SECRETS_PREVIOUS_KEYS can be removed.');
      return 0;
    }
    throw new UsageError(`unknown command: ${positionals.join(' ') || '(none)'}`);
  } finally {
    await store.close();
  }
}

class UsageError extends Error {}

/** Runs one command and sets the exit code; `scripts/start.mjs cli` and `node src/cli.ts` call it. */
export async function cliMain(argv: string[]): Promise<void> {
  try {
    process.exitCode = await runCli(argv);
  } catch (error) {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    else process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await cliMain(process.argv.slice(2));
}
