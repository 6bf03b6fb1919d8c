// Every wait the fake schedules goes through here, so reset and close can stop them all at once.

export class Timers {
  readonly #pending = new Set<NodeJS.Timeout>();
  readonly #sleepers = new Set<() => void>();

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

  /** Resolves after `ms`, or early when everything is cleared (a sleeping request must not leak). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.#sleepers.delete(wake);
        resolve();
      };
      this.#sleepers.add(wake);
      this.after(ms, wake);
    });
  }

  clearAll(): void {
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
    for (const wake of [...this.#sleepers]) wake();
  }
}
