// `npm run gateway -- <command>`: operator commands against the gateway's database, using the same
// configuration as `npm start` (DATABASE_FILE, SECRETS_KEY, ...). `--help` lists the commands;
// src/cli/usage.ts holds that text and the exit codes.
import { pathToFileURL } from 'node:url';
import { type Command, readArguments, UsageError } from './cli/arguments.ts';
import { createKey, listKeys, type Outcome, revokeKey } from './cli/keys.ts';
import { resealUnderConfiguredKey, rotateKeyFile } from './cli/secrets.ts';
import { EXIT } from './cli/usage.ts';
import { type Config, loadConfig } from './config.ts';
import { openStore } from './db/open.ts';
import type { Store } from './db/store.ts';

function print(stream: NodeJS.WriteStream, text: string) {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Runs one command line and returns its exit code; prints everything it has to say. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    const invocation = readArguments(argv);
    if ('help' in invocation) {
      print(process.stdout, invocation.help);
      return EXIT.ok;
    }
    const config = loadConfig();
    const store = await openStore(config);
    try {
      const outcome = await run(invocation.command, store, config);
      print(outcome.code === EXIT.ok ? process.stdout : process.stderr, outcome.lines.join('\n'));
      return outcome.code;
    } finally {
      await store.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      print(process.stderr, error.message ? `${error.message}\n\n${error.usage}` : error.usage);
      return EXIT.usage;
    }
    // A configuration, database or sealing problem: its message, not a stack an operator must
    // read through.
    print(process.stderr, error instanceof Error ? error.message : String(error));
    return EXIT.failed;
  }
}

function run(command: Command, store: Store, config: Config): Promise<Outcome> {
  switch (command.name) {
    case 'keys create':
      return createKey(store.apiKeys, { name: command.keyName, scopes: command.scopes });
    case 'keys list':
      return listKeys(store.apiKeys);
    case 'keys revoke':
      return revokeKey(store.apiKeys, command.id);
    case 'secrets rotate':
      return rotateKeyFile(store, config);
    case 'secrets reseal':
      return resealUnderConfiguredKey(store, config);
  }
}

/** Runs one command and sets the exit code; `scripts/start.mjs cli` and `node src/cli.ts` call it. */
export async function cliMain(argv: string[]): Promise<void> {
  process.exitCode = await runCli(argv);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await cliMain(process.argv.slice(2));
}
