// Re-seals every sealed value under the active key, so an old key can be dropped. One transaction:
// either every value moves or none does.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { onboardings, senders } from '../db/schema.ts';
import { Sealer } from './seal.ts';

const ONBOARDING_COLUMNS = [
  ['sendzenApiKeySealed', 'sendzen_api_key'],
  ['sendzenWebhookTokenSealed', 'sendzen_webhook_token'],
  ['provisioningWebhookSecretSealed', 'provisioning_webhook_secret'],
  ['appWebhookSecretSealed', 'app_webhook_secret'],
  ['signupCodeSealed', 'signup_code'],
] as const;

export interface ResealReport {
  resealed: number;
  /** Key ids still needed after the re-seal (only the active one, when it succeeded). */
  keysInUse: string[];
}

export function resealAll(db: Db, sealer: Sealer): ResealReport {
  let resealed = 0;
  const inUse = new Set<string>();
  const move = (value: string | null, context: { table: string; rowId: string; kind: string }) => {
    if (value === null) return null;
    if (Sealer.keyIdOf(value) === sealer.activeKeyId) {
      inUse.add(sealer.activeKeyId);
      return value;
    }
    resealed++;
    inUse.add(sealer.activeKeyId);
    return sealer.seal(sealer.open(value, context), context);
  };

  db.transaction((tx) => {
    for (const row of tx.select().from(onboardings).all()) {
      const patch: Record<string, string | null> = {};
      for (const [column, kind] of ONBOARDING_COLUMNS) {
        patch[column] = move(row[column], { table: 'onboardings', rowId: row.id, kind });
      }
      tx.update(onboardings).set(patch).where(eq(onboardings.id, row.id)).run();
    }
    for (const row of tx.select().from(senders).all()) {
      const bearerTokenSealed = move(row.bearerTokenSealed, {
        table: 'senders',
        rowId: row.id,
        kind: 'bearer_token',
      });
      tx.update(senders).set({ bearerTokenSealed }).where(eq(senders.id, row.id)).run();
    }
  });
  return { resealed, keysInUse: [...inUse] };
}
