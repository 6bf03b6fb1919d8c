import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/db/client.ts';
import { onboardings, senders } from '../../src/db/schema.ts';
import { resealAll } from '../../src/secrets/rotate.ts';
import { keyFromBase64, SealError, Sealer } from '../../src/secrets/seal.ts';

const keyA = keyFromBase64(Buffer.alloc(32, 1).toString('base64'));
const keyB = keyFromBase64(Buffer.alloc(32, 2).toString('base64'));
const where = {
  table: 'onboardings',
  rowId: '01HROW0000000000000000000A',
  kind: 'sendzen_api_key',
};

/** Flips one bit of the given part (1 = IV, 2 = ciphertext, 3 = tag) of a sealed value. */
function flip(sealed: string, part: 1 | 2 | 3): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part + 1]!, 'base64url');
  bytes[0]! ^= 0x01;
  parts[part + 1] = bytes.toString('base64url');
  return parts.join('.');
}

describe('sealing secrets', () => {
  const sealer = new Sealer([keyA]);

  it('opens what it sealed, and never seals the same value the same way twice', () => {
    const one = sealer.seal('sk_live_abc123xyz789', where);
    const two = sealer.seal('sk_live_abc123xyz789', where);
    expect(one).not.toBe(two);
    expect(one).not.toContain('abc123');
    expect(sealer.open(one, where)).toBe('sk_live_abc123xyz789');
  });

  it.each([
    [1, 'IV'],
    [2, 'ciphertext'],
    [3, 'tag'],
  ] as const)('refuses a value with one bit flipped in part %s (%s)', (part, _name) => {
    const sealed = sealer.seal('sk_live_abc123xyz789', where);
    expect(() => sealer.open(flip(sealed, part), where)).toThrow(SealError);
  });

  it('refuses a value moved to another row or another column', () => {
    const sealed = sealer.seal('sk_live_abc123xyz789', where);
    expect(() => sealer.open(sealed, { ...where, rowId: '01HROW0000000000000000000B' })).toThrow(
      SealError,
    );
    expect(() => sealer.open(sealed, { ...where, kind: 'signup_code' })).toThrow(SealError);
    expect(() => sealer.open(sealed, { ...where, table: 'senders' })).toThrow(SealError);
  });

  it('still opens a value sealed by an earlier build (frozen test vector)', () => {
    const frozenKey = keyFromBase64(Buffer.alloc(32, 7).toString('base64'));
    const vector =
      'v1.4bb06f8e.3XJmTGEfNyZnLvLM.Ae8cm1FfkJFx9lPprbbIfzesu4z2XqTsqD4.4oVwLlRbxeZrRcwGcESPgg';
    expect(
      new Sealer([frozenKey]).open(vector, {
        table: 'onboardings',
        rowId: '01HFROZEN0000000000000000',
        kind: 'sendzen_api_key',
      }),
    ).toBe('sk_live_frozen_vector_0001');
  });

  it('says which key is missing, and nothing about the value', () => {
    const sealed = new Sealer([keyB]).seal('secret-value', where);
    expect(() => sealer.open(sealed, where)).toThrow(
      `sealed with key ${keyB.id}, which is not configured`,
    );
    expect(() => sealer.open('not-sealed', where)).toThrow('not a sealed value');
  });
});

describe('rotating the sealing key', () => {
  it('re-seals every secret under the new key, after which the old key can be removed', async () => {
    const store = openSqliteStore(':memory:');
    const { db } = store;
    try {
      const old = new Sealer([keyA]);
      const now = Date.now();
      const seal = (rowId: string, kind: string, value: string) =>
        old.seal(value, { table: 'onboardings', rowId, kind });
      const id = '01HROT0000000000000000000A';
      db.insert(onboardings)
        .values({
          id,
          clientIdentifier: 'rotating',
          displayName: 'Rotating',
          region: 'EU',
          labels: {},
          autoProvision: true,
          status: 'READY',
          sendzenApiKeySealed: seal(id, 'sendzen_api_key', 'sk_live_rotate_me'),
          sendzenWebhookTokenSealed: seal(id, 'sendzen_webhook_token', 'url-token'),
          provisioningWebhookSecretSealed: seal(id, 'provisioning_webhook_secret', 'prov-secret'),
          appWebhookSecretSealed: seal(id, 'app_webhook_secret', 'app-secret'),
          createdAt: now,
          updatedAt: now,
        })
        .run();
      db.insert(senders)
        .values({
          id: 'sender-1',
          onboardingId: id,
          projectId: 'p',
          state: 'ACTIVE',
          region: 'EU',
          compatibleRegions: ['eu'],
          wabaId: '1',
          phoneNumberId: '2',
          bearerTokenSealed: old.seal('bearer-token-value', {
            table: 'senders',
            rowId: 'sender-1',
            kind: 'bearer_token',
          }),
          createdAt: now,
          updatedAt: now,
        })
        .run();

      const report = await resealAll(store, new Sealer([keyB, keyA]));
      expect(report).toEqual({ resealed: 5, keysInUse: [keyB.id] });

      const onlyNew = new Sealer([keyB]);
      const row = db.select().from(onboardings).where(eq(onboardings.id, id)).get()!;
      expect(
        onlyNew.open(row.sendzenApiKeySealed!, {
          table: 'onboardings',
          rowId: id,
          kind: 'sendzen_api_key',
        }),
      ).toBe('sk_live_rotate_me');
      expect(
        onlyNew.open(row.appWebhookSecretSealed, {
          table: 'onboardings',
          rowId: id,
          kind: 'app_webhook_secret',
        }),
      ).toBe('app-secret');
      const sender = db.select().from(senders).get()!;
      expect(
        onlyNew.open(sender.bearerTokenSealed!, {
          table: 'senders',
          rowId: 'sender-1',
          kind: 'bearer_token',
        }),
      ).toBe('bearer-token-value');
      // Nothing still needs the old key.
      expect((await resealAll(store, onlyNew)).resealed).toBe(0);
    } finally {
      await store.close();
    }
  });
});
