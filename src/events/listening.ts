// yoga's pubsub subscriptions are lazy: they start listening when first read, not when made. A
// subscriber reads the current state between the two, so a change published in that window would
// be lost to it. This starts the listening at once and hands the first read what it caught.

/** `onReturn` is told when the subscriber ends it. */
export function listening<T>(
  updates: AsyncIterableIterator<T>,
  onReturn?: () => void,
): AsyncIterableIterator<T> {
  let first: Promise<IteratorResult<T>> | undefined = updates.next();
  return {
    next() {
      const caught = first;
      first = undefined;
      return caught ?? updates.next();
    },
    return(value?: unknown) {
      first = undefined;
      onReturn?.();
      return updates.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
