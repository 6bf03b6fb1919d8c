// Onboarding events between instances, through Redis pub/sub: every instance publishes each
// snapshot once to the onboarding's channel and once to the feed's, and subscribes to the channels
// its own subscribers watch (yoga's Redis event target), so a subscriber on any instance sees every
// instance's changes. Pub/sub keeps nothing: a message published while an instance is cut off is
// lost to it, and the subscription heals the gap from the store (events/in-order.ts).
//
// One connection publishes and one subscribes (a subscribed Redis connection can do nothing else).
// A lost connection reconnects by itself (and subscribes again); until then it is logged, and
// /readyz says not ready.
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { OnboardingSnapshot } from '../db/store.ts';
import type { GatewayLogger } from '../logger.ts';
import type { OnboardingEvents } from '../onboarding/events.ts';
import { listening } from './listening.ts';

/** How long /readyz waits for Redis to answer its PING. */
const READY_TIMEOUT_MS = 1_000;

export interface RedisEvents extends OnboardingEvents {
  /** Whether Redis answers a PING on the publishing connection. */
  ready(): Promise<boolean>;
  /** Ends every open subscription, then closes both connections. */
  close(): Promise<void>;
}

export interface RedisEventsOptions {
  url: string;
  /** Starts every channel name: instances with the same prefix share events, others do not. */
  keyPrefix: string;
  logger: GatewayLogger;
}

/** Connects both connections; rejects, naming REDIS_URL, when Redis does not answer. */
export async function createRedisEvents(options: RedisEventsOptions): Promise<RedisEvents> {
  const { keyPrefix, logger } = options;
  const where = safeLocation(options.url);
  const publisher = await connect(options.url, where, 'publish', logger);
  const subscriber = await connect(options.url, where, 'subscribe', logger).catch(
    async (error: unknown) => {
      publisher.disconnect();
      throw error;
    },
  );

  const feedChannel = `${keyPrefix}onboardings`;
  const onboardingChannel = (id: string) => `${keyPrefix}onboarding:${id}`;
  // Topics are whole channel names (no yoga id suffix), so what is published and what is
  // subscribed to are spelled in one place, here.
  const pubsub = createPubSub<Record<string, [OnboardingSnapshot]>>({
    eventTarget: createRedisEventTarget({
      publishClient: publisher,
      subscribeClient: subscriber,
      serializer: JSON,
    }),
  });
  const open = new Set<AsyncIterableIterator<OnboardingSnapshot>>();
  async function subscribe(channel: string): Promise<AsyncIterableIterator<OnboardingSnapshot>> {
    // Listening at once sends the event target's SUBSCRIBE; a second SUBSCRIBE of the same channel
    // on the same connection is answered after it, so once it is, every later publish arrives.
    const updates: AsyncIterableIterator<OnboardingSnapshot> = listening(
      pubsub.subscribe(channel),
      () => open.delete(updates),
    );
    open.add(updates);
    try {
      await subscriber.subscribe(channel);
    } catch (error) {
      await updates.return?.();
      throw error;
    }
    return updates;
  }

  return {
    publish(snapshot) {
      // Published here rather than through the event target, whose publish would leave a failed
      // PUBLISH (Redis away past the retries) as an unhandled rejection that ends the process. In
      // the target's serializer's format.
      const message = JSON.stringify(snapshot);
      for (const channel of [onboardingChannel(snapshot.onboarding.id), feedChannel]) {
        publisher.publish(channel, message).catch((error: unknown) => {
          logger.error(
            {
              onboardingId: snapshot.onboarding.id,
              version: snapshot.onboarding.version,
              error: (error as Error).message,
            },
            'Could not publish an onboarding change to Redis; subscribers will read it from the store',
          );
        });
      }
    },
    subscribe: (onboardingId) => subscribe(onboardingChannel(onboardingId)),
    subscribeAll: () => subscribe(feedChannel),
    async ready() {
      if (publisher.status !== 'ready' || subscriber.status !== 'ready') return false;
      // A connection that looks up can still be cut off silently: /readyz must answer regardless.
      const timeout = new Promise<string>((resolve) => {
        setTimeout(resolve, READY_TIMEOUT_MS, '').unref();
      });
      return (await Promise.race([publisher.ping().catch(() => ''), timeout])) === 'PONG';
    },
    async close() {
      await Promise.all([...open].map((updates) => updates.return?.()));
      await Promise.all([quit(publisher), quit(subscriber)]);
    },
  };
}

/** Connects once; from then on, a lost connection is logged and retried by ioredis itself. */
async function connect(
  url: string,
  where: string,
  role: 'publish' | 'subscribe',
  logger: GatewayLogger,
): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, connectionName: `gateway-${role}` });
  let firstError: Error | undefined;
  let up = false;
  // Attached before connecting: ioredis prints an 'error' event that has no listener. While Redis
  // is away ioredis retries every few seconds and fails each time: one line per outage is enough.
  client.on('error', (error: Error) => {
    firstError ??= error;
    if (!up) return;
    up = false;
    logger.warn(
      { redis: where, role, error: error.message },
      'Lost the Redis connection; retrying',
    );
  });
  client.on('ready', () => {
    if (firstError) logger.info({ redis: where, role }, 'Redis connection is back');
    up = true;
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    const reason = (firstError ?? (error as Error)).message;
    throw new Error(`REDIS_URL: Redis at ${where} does not answer (${reason})`);
  }
  return client;
}

/** Ends the connection politely; one that is not up is just dropped. */
async function quit(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    await client.quit().catch(() => client.disconnect());
  } else {
    client.disconnect();
  }
}

/** The URL without user or password, for messages and logs. */
function safeLocation(url: string): string {
  const { protocol, hostname, port, pathname } = new URL(url);
  return `${protocol}//${hostname}:${port || '6379'}${pathname === '/' ? '' : pathname}`;
}
