// Time in tests. A test waits on events; where it must poll or keep a deadline, the deadline is
// HANG_MS, which a loaded machine does not reach but a hang does.
//
// Scenarios that need the machine to do something within a window of time they open themselves: a
// session token that must still be good when the socket connects, a subproject that must still be
// warming up when the first call reaches it. A loaded machine can miss such a window through no
// fault of the code under test, so the scenario says when it did, and runs again with twice the
// window: slowness costs time, not a failure.

/** How long a wait may take before it is a hang: far past anything a loaded machine needs. */
export const HANG_MS = 60_000;

/**
 * Polls until `check` returns a value, for what nothing can announce (a database row, the fake's
 * journal); gives up only after HANG_MS.
 */
export async function until<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = HANG_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const MISSED = Symbol('the machine was too slow for the window');

/**
 * Runs `scenario` with a window of `firstMs`, doubling it each time the scenario returns MISSED,
 * up to `lastMs`. Only a scenario that misses even the widest window fails the test.
 */
export async function withWindow<T>(
  firstMs: number,
  lastMs: number,
  scenario: (windowMs: number, attempt: number) => Promise<T | typeof MISSED>,
): Promise<T> {
  for (let windowMs = firstMs, attempt = 1; ; windowMs *= 2, attempt++) {
    const outcome = await scenario(windowMs, attempt);
    if (outcome !== MISSED) return outcome;
    if (windowMs * 2 > lastMs) {
      throw new Error(`the machine missed the window ${attempt} times, the last ${windowMs} ms`);
    }
  }
}
