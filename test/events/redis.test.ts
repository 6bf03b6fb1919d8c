// Onboarding events through a real Redis (127.0.0.1:6379, which CI starts): two adapters with one
// prefix stand for two gateway instances. Every run has a prefix of its own, so runs beside each
// other do not hear each other. Pub/sub stores nothing, so there are no keys to clean up; every
// connection is closed. No Redis fails this file rather than skipping it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnboardingSnapshot } from '../../src/db/store.ts';
import { createInProcessEvents } from '../../src/events/in-process.ts';
import { createRedisEvents, type RedisEvents } from '../../src/events/redis.ts';
import { ulid } from '../../src/ids.ts';
import { createLogger } from '../../src/logger.ts';
import { HANG_MS } from '../support/windows.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `wog-test:${ulid()}:`;
const logger = createLogger('silent');

const open: RedisEvents[] = [];
async function instance(keyPrefix = prefix): Promise<RedisEvents> {
  const events = await createRedisEvents({ url: REDIS_URL, keyPrefix, logger });
  open.push(events);
  return events;
}
afterAll(async () => {
  await Promise.all(open.map((events) => events.close()));
});

/** A snapshot with one of each kind of value a stored row holds. */
function snapshot(id: string, version: number): OnboardingSnapshot {
  return {
    onboarding: {
      id,
      version,
      status: version < 3 ? 'AWAITING_SIGNUP' : 'READY',
      clientIdentifier: `shop-${id}`,
      labels: { plan: 'gold' },
      autoProvision: true,
      sendzenApiKeySealed: 'v1.sealed-ciphertext',
      signupCodeSealed: null,
      updatedAt: 1_700_000_000_000 + version,
    },
    steps: [{ name: 'SENDZEN_PROJECT', status: 'SUCCEEDED', outcomeUnknown: false }],
    senders: [],
    sender: null,
    app: null,
    webhooks: [],
    testMessages: [],
  } as unknown as OnboardingSnapshot;
}

/** The next `count` values, or a failure naming what did arrive if they do not within HANG_MS. */
async function take<T>(updates: AsyncIterator<T>, count: number): Promise<T[]> {
  const values: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`got ${values.length} of ${count} within ${HANG_MS} ms`)),
      HANG_MS,
    );
  });
  try {
    while (values.length < count) {
      const next = await Promise.race([updates.next(), hang]);
      if (next.done) throw new Error(`ended after ${values.length} of ${count}`);
      values.push(next.value);
    }
    return values;
  } finally {
    clearTimeout(timer);
  }
}

describe('onboarding events through Redis', () => {
  let first: RedisEvents;
  let second: RedisEvents;
  beforeAll(async () => {
    [first, second] = await Promise.all([instance(), instance()]);
  });

  it('delivers every snapshot published on one instance to the other, in order, whole', async () => {
    const id = ulid();
    const other = ulid();
    const one = await second.subscribe(id);
    const feed = await second.subscribeAll();
    // Published at once, before anything reads: a subscription is listening when it resolves.
    for (let version = 1; version <= 20; version++) {
      first.publish(snapshot(id, version));
      first.publish(snapshot(other, version));
    }
    const seen = await take(one, 20);
    expect(seen.map((s) => s.onboarding.version)).toEqual(range(1, 20));
    expect(seen.every((s) => s.onboarding.id === id)).toBe(true);
    expect(seen[19]).toEqual(snapshot(id, 20));

    const everything = await take(feed, 40);
    for (const which of [id, other]) {
      expect(
        everything.filter((s) => s.onboarding.id === which).map((s) => s.onboarding.version),
      ).toEqual(range(1, 20));
    }
    await one.return?.();
    await feed.return?.();
  });

  it('delivers an instance’s own publishes to its own subscribers too', async () => {
    const id = ulid();
    const one = await first.subscribe(id);
    first.publish(snapshot(id, 1));
    second.publish(snapshot(id, 2));
    expect((await take(one, 2)).map((s) => s.onboarding.version).sort()).toEqual([1, 2]);
    await one.return?.();
  });

  it('keeps instances with another prefix apart', async () => {
    const elsewhere = await instance(`wog-test:${ulid()}:`);
    const id = ulid();
    const stranger = await elsewhere.subscribeAll();
    const strangerOne = await elsewhere.subscribe(id);
    const ours = await second.subscribeAll();
    first.publish(snapshot(id, 1));
    expect((await take(ours, 1))[0]?.onboarding.version).toBe(1);
    // Redis had pushed that change to every subscriber of its channel by then, and pushes to one
    // connection in order: had the other prefix heard it, it would come before this marker.
    elsewhere.publish(snapshot(id, 99));
    expect((await take(stranger, 1))[0]?.onboarding.version).toBe(99);
    expect((await take(strangerOne, 1))[0]?.onboarding.version).toBe(99);
    await Promise.all([stranger.return?.(), strangerOne.return?.(), ours.return?.()]);
  });

  it('says it is ready while Redis answers', async () => {
    expect(await first.ready()).toBe(true);
  });

  it('ends every open subscription when closed, and closes its connections', async () => {
    const closing = await instance();
    const id = ulid();
    const one = await closing.subscribe(id);
    const feed = await closing.subscribeAll();
    const waiting = [one.next(), feed.next()];
    await closing.close();
    expect(await Promise.all(waiting)).toEqual([
      { done: true, value: undefined },
      { done: true, value: undefined },
    ]);
    expect(await closing.ready()).toBe(false);
  });
});

describe('onboarding events in one process', () => {
  it('are listening as soon as the subscription resolves', async () => {
    const events = createInProcessEvents();
    const one = await events.subscribe('o1');
    const feed = await events.subscribeAll();
    events.publish(snapshot('o1', 1));
    expect((await one.next()).value?.onboarding.version).toBe(1);
    expect((await feed.next()).value?.onboarding.version).toBe(1);
    await Promise.all([one.return?.(), feed.return?.()]);
  });
});

describe('a Redis that does not answer', () => {
  it('fails the connection naming REDIS_URL, without the URL’s password', async () => {
    const error = await createRedisEvents({
      url: 'redis://gateway:hunter2-secret@127.0.0.1:1/0',
      keyPrefix: prefix,
      logger,
    }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^REDIS_URL: Redis at redis:\/\/127\.0\.0\.1:1\/0 /);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as Error).message).not.toContain('hunter2');
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
