// Ends every open subscription at shutdown, whichever transport carries the events. Each
// subscriber's iterator is returned, as a session token's expiry returns it: the resolver's loop
// ends, and the subscription completes the way GraphQL says it does (graphql-ws sends `complete`
// for the operation; an SSE stream sends its `complete` event and ends).
import type { OnboardingEvents } from '../onboarding/events.ts';

export interface ClosableEvents extends OnboardingEvents {
  /** Ends every subscription open now; returns how many there were. */
  endSubscriptions(): Promise<number>;
}

export function closable(events: OnboardingEvents): ClosableEvents {
  const open = new Set<AsyncIterableIterator<unknown>>();
  const tracked = <T>(inner: AsyncIterableIterator<T>): AsyncIterableIterator<T> => {
    const iterator: AsyncIterableIterator<T> = {
      next: () => inner.next(),
      async return(value?: unknown) {
        open.delete(iterator);
        return (await inner.return?.(value)) ?? { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    open.add(iterator);
    return iterator;
  };
  return {
    publish: (snapshot) => events.publish(snapshot),
    subscribe: async (onboardingId) => tracked(await events.subscribe(onboardingId)),
    subscribeAll: async () => tracked(await events.subscribeAll()),
    async endSubscriptions() {
      const ending = [...open];
      await Promise.all(ending.map((iterator) => iterator.return?.()));
      return ending.length;
    },
  };
}
