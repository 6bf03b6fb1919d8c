// The subscription's ordering across instances (src/events/in-order.ts), with the arrivals, the
// store and the gap's wait all in the test's hands: nothing here waits on a clock.
import { describe, expect, it } from 'vitest';
import { inOrder, newerOnly } from '../../src/events/in-order.ts';

interface Change {
  version: number;
  from: 'event' | 'store';
}

/** An async iterator the test pushes into, like a pubsub subscription. */
function arrivals() {
  const queued: IteratorResult<Change>[] = [];
  let waiting: ((result: IteratorResult<Change>) => void) | undefined;
  const deliver = (result: IteratorResult<Change>) => {
    if (waiting) {
      const wake = waiting;
      waiting = undefined;
      wake(result);
    } else queued.push(result);
  };
  return {
    iterator: {
      next: () =>
        new Promise<IteratorResult<Change>>((resolve) => {
          const first = queued.shift();
          if (first) resolve(first);
          else waiting = resolve;
        }),
    } satisfies AsyncIterator<Change>,
    push: (...versions: number[]) => {
      for (const version of versions) deliver({ done: false, value: { version, from: 'event' } });
    },
    end: () => deliver({ done: true, value: undefined }),
  };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** The gap's waits, opened by inOrder and elapsed by the test. */
function gapClock() {
  const waits: { signal: ReturnType<typeof deferred<AbortSignal>>; elapse: () => void }[] = [];
  let asked = 0;
  const wait = (n: number) => {
    waits[n] ??= { signal: deferred<AbortSignal>(), elapse: () => {} };
    return waits[n];
  };
  const clock = {
    opens: 0,
    /** Resolves with the signal of the next wait (the first, then the second…) once it opens. */
    opened: () => wait(asked++).signal.promise,
    /** Ends the wait opened last. */
    elapse: () => wait(clock.opens - 1).elapse(),
    waitForGap: (signal: AbortSignal) => {
      const opened = wait(clock.opens++);
      opened.signal.resolve(signal);
      return new Promise<void>((resolve) => {
        opened.elapse = resolve;
      });
    },
  };
  return clock;
}

function ordered(
  source: ReturnType<typeof arrivals>,
  options: {
    after: number;
    store?: () => Promise<Change | null>;
    clock?: ReturnType<typeof gapClock>;
  },
) {
  const clock = options.clock ?? gapClock();
  return inOrder(source.iterator, {
    after: options.after,
    version: (c) => c.version,
    current: options.store ?? (() => Promise.reject(new Error('the store was not to be asked'))),
    waitForGap: clock.waitForGap,
  });
}

async function take(stream: AsyncGenerator<Change>, count: number): Promise<Change[]> {
  const out: Change[] = [];
  while (out.length < count) {
    const { value, done } = await stream.next();
    if (done) break;
    out.push(value);
  }
  return out;
}

describe('inOrder', { timeout: 5_000 }, () => {
  it('passes versions that arrive in order straight through, and never opens a wait', async () => {
    const source = arrivals();
    const clock = gapClock();
    const stream = ordered(source, { after: 3, clock });
    source.push(4, 5, 6);
    expect((await take(stream, 3)).map((c) => c.version)).toEqual([4, 5, 6]);
    expect(clock.opens).toBe(0);
    source.end();
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('holds versions that arrive ahead of a missing one and yields them in order when it comes', async () => {
    const source = arrivals();
    const clock = gapClock();
    const stream = ordered(source, { after: 1, clock });
    source.push(4, 3);
    const first = stream.next();
    const signal = await clock.opened();
    source.push(2);
    expect((await first).value?.version).toBe(2);
    expect((await take(stream, 2)).map((c) => c.version)).toEqual([3, 4]);
    // The gap closed: its wait is called off rather than left to fire.
    expect(signal.aborted).toBe(true);
    expect(clock.opens).toBe(1);
  });

  it('drops duplicates and versions older than one already yielded', async () => {
    const source = arrivals();
    const stream = ordered(source, { after: 5 });
    source.push(3, 5, 6, 6, 4, 7, 7, 6);
    source.end();
    expect((await take(stream, 10)).map((c) => c.version)).toEqual([6, 7]);
  });

  it('after the wait, heals a gap that never fills from the store, and goes on from there', async () => {
    const source = arrivals();
    const clock = gapClock();
    const reads: number[] = [];
    const stream = ordered(source, {
      after: 1,
      clock,
      store: async () => {
        reads.push(1);
        return { version: 4, from: 'store' };
      },
    });
    // Version 2's publisher died between its commit and its publish.
    source.push(3, 4);
    const healed = stream.next();
    await clock.opened();
    expect(reads).toEqual([]);
    clock.elapse();
    expect((await healed).value).toEqual({ version: 4, from: 'store' });
    // What the store already covered is not yielded again; what comes next passes through.
    source.push(3, 4, 5);
    expect((await take(stream, 1)).map((c) => c.version)).toEqual([5]);
    expect(reads).toHaveLength(1);
  });

  it('yields what was held beyond the state the store had when it read', async () => {
    const source = arrivals();
    const clock = gapClock();
    const stream = ordered(source, {
      after: 1,
      clock,
      store: async () => ({ version: 3, from: 'store' }),
    });
    source.push(4);
    const healed = stream.next();
    await clock.opened();
    clock.elapse();
    expect(await healed).toEqual({ done: false, value: { version: 3, from: 'store' } });
    expect(await stream.next()).toEqual({ done: false, value: { version: 4, from: 'event' } });
  });

  it('gives each later gap its own whole wait', async () => {
    const source = arrivals();
    const clock = gapClock();
    const stream = ordered(source, { after: 1, clock });
    source.push(3, 5);
    const two = stream.next();
    const firstWait = await clock.opened();
    source.push(2);
    expect((await two).value?.version).toBe(2);
    expect((await stream.next()).value?.version).toBe(3);
    // Version 4 is missing now: the wait for it starts afresh.
    const four = stream.next();
    const secondWait = await clock.opened();
    expect(firstWait.aborted).toBe(true);
    expect(secondWait.aborted).toBe(false);
    source.push(4);
    expect((await four).value?.version).toBe(4);
    expect((await stream.next()).value?.version).toBe(5);
  });

  it('skips a gap the store cannot fill rather than hold the rest forever', async () => {
    const source = arrivals();
    const clock = gapClock();
    const stream = ordered(source, { after: 1, clock, store: async () => null });
    source.push(3);
    const next = stream.next();
    await clock.opened();
    clock.elapse();
    expect((await next).value).toEqual({ version: 3, from: 'event' });
  });

  it('ends when its source ends, and calls off a wait it was in', async () => {
    const source = arrivals();
    const clock = gapClock();
    const stream = ordered(source, { after: 1, clock });
    source.push(3);
    const next = stream.next();
    const signal = await clock.opened();
    source.end();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(signal.aborted).toBe(true);
  });
});

describe('newerOnly', () => {
  it('passes each onboarding’s versions only forward, and forgets the least recently changed', () => {
    const isNewer = newerOnly(2);
    expect(isNewer('a', 2)).toBe(true);
    expect(isNewer('a', 1)).toBe(false);
    expect(isNewer('a', 2)).toBe(false);
    expect(isNewer('b', 1)).toBe(true);
    expect(isNewer('a', 3)).toBe(true);
    // 'b' is now the least recently changed of the two remembered; a third pushes it out.
    expect(isNewer('c', 1)).toBe(true);
    expect(isNewer('a', 3)).toBe(false);
    expect(isNewer('c', 1)).toBe(false);
    expect(isNewer('b', 1)).toBe(true);
  });
});
