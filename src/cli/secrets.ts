// `secrets rotate` and `secrets reseal`: move every sealed secret to a new sealing key.
import type { Config } from '../config.ts';
import type { Store } from '../db/store.ts';
import {
  keyFilePath,
  loadSecretKeys,
  newKeyBase64,
  readKeyFile,
  writeKeyFile,
} from '../secrets/keys.ts';
import { resealAll } from '../secrets/rotate.ts';
import { Sealer } from '../secrets/seal.ts';
import { UsageError } from './arguments.ts';
import type { Outcome } from './keys.ts';
import { EXIT, USAGE } from './usage.ts';

export async function rotateKeyFile(store: Store, config: Config): Promise<Outcome> {
  if (config.secretsKey) {
    throw new UsageError(
      'the key comes from SECRETS_KEY: set SECRETS_KEY to a new key and SECRETS_PREVIOUS_KEYS to the old one, then run `secrets reseal`',
      USAGE['secrets rotate'],
    );
  }
  const file = keyFilePath(config.databaseFile);
  loadSecretKeys({ databaseFile: config.databaseFile }); // makes the key file if there is none yet
  const old = readKeyFile(file);
  const fresh = newKeyBase64();
  // The old keys stay in the file until every secret is re-sealed: a crash half-way leaves a
  // file that still opens everything.
  writeKeyFile(file, [fresh, ...old]);
  const report = await resealAll(
    store,
    new Sealer(loadSecretKeys({ databaseFile: config.databaseFile })),
  );
  writeKeyFile(file, [fresh]);
  return {
    code: EXIT.ok,
    lines: [
      `Re-sealed ${report.resealed} secrets under a new key; the old key was removed from ${file}.`,
    ],
  };
}

export async function resealUnderConfiguredKey(store: Store, config: Config): Promise<Outcome> {
  const sealer = new Sealer(
    loadSecretKeys({
      configured: config.secretsKey,
      previous: config.previousSecretsKeys,
      databaseFile: config.databaseFile,
    }),
  );
  const report = await resealAll(store, sealer);
  return {
    code: EXIT.ok,
    lines: [
      `Re-sealed ${report.resealed} secrets under key ${sealer.activeKeyId}.`,
      'Every secret now opens with SECRETS_KEY alone: SECRETS_PREVIOUS_KEYS can be removed.',
    ],
  };
}
