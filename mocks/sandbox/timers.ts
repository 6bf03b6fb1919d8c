// Every wait the fake schedules goes through here, so reset and close can stop them all at once.

export class Timers {
  readonly #pending = new Set<NodeJS.Timeout>();
  readonly #sleepers = new Set<(elapsed: boolean) => void>();

  /** Runs `task` after `ms`; the returned function cancels it. */
  after(ms: number, task: () => void): () => void {
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      task();
    }, ms);
    this.#pending.add(timer);
    return () => {
      clearTimeout(timer);
      this.#pending.delete(timer);
    };
  }

  /**
   * Resolves true after `ms`, or false early when everything is cleared (a sleeping request must
   * not leak, nor act on a sandbox that was reset or closed while it slept).
   */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = (elapsed: boolean) => {
        this.#sleepers.delete(wake);
        resolve(elapsed);
      };
      this.#sleepers.add(wake);
      this.after(ms, () => wake(true));
    });
  }

  clearAll(): void {
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
    for (const wake of [...this.#sleepers]) wake(false);
  }
}
