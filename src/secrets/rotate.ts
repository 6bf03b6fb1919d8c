// Re-seals every sealed value under the active key, so an old key can be dropped. One transaction:
// either every value moves or none does.
import type { Store } from '../db/store.ts';
import { Sealer } from './seal.ts';

export interface ResealReport {
  resealed: number;
  /** Key ids still needed after the re-seal (only the active one, when it succeeded). */
  keysInUse: string[];
}

export async function resealAll(store: Store, sealer: Sealer): Promise<ResealReport> {
  let resealed = 0;
  const total = await store.resealAll((value, context) => {
    if (Sealer.keyIdOf(value) === sealer.activeKeyId) return value;
    resealed++;
    return sealer.seal(sealer.open(value, context), context);
  });
  return { resealed, keysInUse: total > 0 ? [sealer.activeKeyId] : [] };
}
