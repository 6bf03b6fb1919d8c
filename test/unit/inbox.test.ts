import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/db/client.ts';
import { webhookDeliveries } from '../../src/db/schema.ts';
import { createLogger } from '../../src/logger.ts';
import { WebhookInbox } from '../../src/webhooks/inbox.ts';

describe('deliveries for onboardings the gateway does not know', () => {
  it('are kept, but only the newest within the retention', async () => {
    const store = openSqliteStore(':memory:');
    const { db } = store;
    try {
      let now = 1_000_000;
      const inbox = new WebhookInbox({
        store: store.deliveries,
        logger: createLogger('silent'),
        handlers: {
          sendzen: () => 'x',
          'sinch-provisioning': () => 'x',
          'sinch-conversation': () => 'x',
        },
        now: () => now,
        unknownRetention: { maxAgeMs: 10_000, maxCount: 3 },
      });
      const unknown = (n: number) =>
        inbox.storeUnknown({
          source: 'sendzen',
          dedupKey: `k${n}`,
          onboardingRef: '01HUNKNOWN000000000000000',
          body: { n },
        });

      for (const n of [1, 2, 3, 4, 5]) await unknown(n);
      const kept = () =>
        db
          .select()
          .from(webhookDeliveries)
          .all()
          .map((d: { body: unknown }) => (d.body as { n: number }).n);
      expect(kept()).toEqual([3, 4, 5]);

      now += 20_000;
      await unknown(6);
      expect(kept()).toEqual([6]);
    } finally {
      await store.close();
    }
  });
});
