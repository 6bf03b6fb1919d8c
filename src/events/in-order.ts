// Versions of one onboarding are contiguous (+1 per change that produced events) and the database
// commits them in order, but two instances' publishes can reach Redis in either order, and a
// publisher can die between its commit and its publish. A subscriber puts them back in order here.
// In one process events never reorder: each arrives as the next version and passes straight on.

import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How long a version that arrived ahead of a missing one is held before the store is asked: far
 * past how far two instances' publishes drift apart, short enough that a person watching does
 * not wait on a publisher that died.
 */
export const GAP_WAIT_MS = 2_000;

export interface InOrderOptions<T> {
  /** The version the subscriber already has (it read the current state when it subscribed). */
  after: number;
  version(value: T): number;
  /** The current state, for when a missing version never comes. */
  current(): Promise<T | null>;
  /** Resolves when a gap has been waited on long enough; the signal aborts once it closes. */
  waitForGap?(signal: AbortSignal): Promise<void>;
}

/**
 * Yields `source`'s values in version order, each version once and none older than one already
 * yielded. A version that arrives ahead of a missing one is held; if the missing one has not come
 * within the wait, the current state is read and the stream goes on from there. The caller owns
 * `source` and ends it (which ends this).
 */
export async function* inOrder<T>(
  source: AsyncIterator<T>,
  options: InOrderOptions<T>,
): AsyncGenerator<T> {
  const { version } = options;
  const waitForGap =
    options.waitForGap ??
    ((signal: AbortSignal) => sleep(GAP_WAIT_MS, undefined, { signal }).catch(() => {}));
  let last = options.after;
  const held = new Map<number, T>();
  let next: Promise<IteratorResult<T>> | undefined;
  let gap: { elapsed: Promise<'gap'>; abort: AbortController } | undefined;
  const closeGap = () => {
    gap?.abort.abort();
    gap = undefined;
  };
  try {
    for (;;) {
      next ??= source.next();
      let arrived: IteratorResult<T> | 'gap';
      if (held.size === 0) {
        arrived = await next;
      } else {
        if (!gap) {
          const abort = new AbortController();
          gap = { abort, elapsed: waitForGap(abort.signal).then(() => 'gap' as const) };
        }
        arrived = await Promise.race([next, gap.elapsed]);
      }

      const before = last;
      // Everything this arrival lets through, collected first so the gap's wait is settled
      // before the consumer gets the first of them (and maybe stops reading for a while).
      const through: T[] = [];
      if (arrived === 'gap') {
        gap = undefined;
        const current = await options.current();
        if (current && version(current) > last) {
          last = version(current);
          through.push(current);
        } else {
          // The store is not ahead of what was yielded (it cannot be behind what was published):
          // nothing can fill the gap, so skip it rather than hold the rest forever.
          last = Math.min(...held.keys()) - 1;
        }
      } else {
        next = undefined;
        if (arrived.done) return;
        const v = version(arrived.value);
        if (v <= last) continue;
        if (v > last + 1) {
          held.set(v, arrived.value);
          continue;
        }
        last = v;
        through.push(arrived.value);
      }

      for (const v of held.keys()) if (v <= last) held.delete(v);
      for (let ahead = held.get(last + 1); ahead !== undefined; ahead = held.get(last + 1)) {
        held.delete(last + 1);
        last += 1;
        through.push(ahead);
      }
      // Each missing version gets the whole wait, counted from when it became the one missing.
      if (held.size === 0 || last !== before) closeGap();
      yield* through;
    }
  } finally {
    closeGap();
  }
}

/**
 * For a feed of every onboarding: true when `version` is newer than any seen of `onboardingId`.
 * Remembers the most recently changed `limit` onboardings, so memory stays bounded on a feed that
 * runs for months; one forgotten that long ago has nothing left in flight to arrive late.
 */
export function newerOnly(limit = 10_000): (onboardingId: string, version: number) => boolean {
  const seen = new Map<string, number>();
  return (onboardingId, version) => {
    const newest = seen.get(onboardingId);
    if (newest !== undefined && version <= newest) return false;
    // Deleted and set again, so the map's insertion order is the order of recent change.
    seen.delete(onboardingId);
    seen.set(onboardingId, version);
    if (seen.size > limit) seen.delete(seen.keys().next().value as string);
    return true;
  };
}
