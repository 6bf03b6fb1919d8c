// Gateways started with REDIS_URL (a real Redis on 127.0.0.1:6379, which CI starts; none fails
// this file rather than skipping it): an onboarding driven to READY through the fake is watched on
// the gateway that drives it and on another one sharing the Redis prefix, and both see every
// version. The prefix is this run's own; pub/sub keeps no keys, and each gateway closes its
// connections.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startGateway } from '../../src/gateway.ts';
import { ulid } from '../../src/ids.ts';
import { startTestGateway, type TestGateway, testEnv } from '../support/gateway.ts';
import { OnboardCustomer, WatchOnboarding, WatchOnboardings } from '../support/operations.ts';

const redisEnv = { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `wog-test:${ulid()}:` };

/** What another instance can show of an onboarding it has no rows for: what the event carries. */
const FeedVersions = /* GraphQL */ `
  subscription FeedVersions { onboardingsUpdated { id version status } }
`;
type FeedVersion = { onboardingsUpdated: { id: string; version: number; status: string } };

describe('several gateways on one Redis', () => {
  let driving: TestGateway;
  let watching: TestGateway;
  beforeAll(async () => {
    [driving, watching] = await Promise.all([
      startTestGateway({ env: redisEnv }),
      startTestGateway({ env: redisEnv }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([driving?.close(), watching?.close()]);
  });

  it('is ready while Redis answers', async () => {
    const res = await fetch(`${driving.gateway.url}/readyz`);
    expect(res.status).toBe(200);
  });

  it('shows every version, 1 to READY in order, on the gateway driving it and on another', async () => {
    // Feeds first, so they see the onboarding from its first version.
    const feedHere = await driving.sse(WatchOnboardings);
    const feedThere = await watching.sse<FeedVersion>(FeedVersions);
    try {
      const created = await driving.gql(OnboardCustomer, {
        input: { clientIdentifier: 'redis-shop', displayName: 'Shop on Redis', region: 'EU' },
      });
      expect(created.body.errors).toBeUndefined();
      const { id } = created.body.data!.onboardCustomer.onboarding;
      const watch = await driving.sse(WatchOnboarding, { id });
      try {
        await watch.waitFor((v) => v.onboardingUpdated.status === 'AWAITING_SIGNUP');
        await driving.sandbox.control('POST', '/sendzen/signups', {
          clientIdentifier: 'redis-shop',
          status: 'completed',
        });
        const ready = await watch.waitFor((v) => v.onboardingUpdated.status === 'READY');
        const last = ready.onboardingUpdated.version;
        const hereReady = await feedHere.waitFor(
          (v) => v.onboardingsUpdated.id === id && v.onboardingsUpdated.version === last,
        );
        await feedThere.waitFor(
          (v) => v.onboardingsUpdated.id === id && v.onboardingsUpdated.version === last,
        );

        // The watch starts at the state it read when it subscribed, then misses nothing.
        const watched = watch.values.map((v) => v.onboardingUpdated.version);
        expect(watched).toEqual(range(watched[0]!, last));
        const versions = (values: { onboardingsUpdated: { id: string; version: number } }[]) =>
          values
            .filter((v) => v.onboardingsUpdated.id === id)
            .map((v) => v.onboardingsUpdated.version);
        expect(versions(feedHere.values)).toEqual(range(1, last));
        expect(versions(feedThere.values)).toEqual(range(1, last));
        expect(hereReady.onboardingsUpdated.status).toBe('READY');
        expect(last).toBeGreaterThan(5);
      } finally {
        await watch.close();
      }
    } finally {
      await Promise.all([feedHere.close(), feedThere.close()]);
    }
  });
});

describe('a gateway whose Redis does not answer', () => {
  it('does not start, and says REDIS_URL is why, without the password in it', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
    try {
      const config = loadConfig(
        testEnv(dir, { REDIS_URL: `redis://gateway:s3cret-pw@127.0.0.1:${port}` }),
      );
      const error = await startGateway(config).then(
        async (gateway) => {
          await gateway.close();
          throw new Error('the gateway started');
        },
        (e: unknown) => e as Error,
      );
      expect(error.message).toContain(
        `REDIS_URL: Redis at redis://127.0.0.1:${port} does not answer`,
      );
      expect(error.message).not.toContain('s3cret-pw');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A loopback port nothing listens on: one the system just handed out and took back. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
