// Tells the event dispatcher of this process that a commit stored deliveries, so it sends them now
// rather than at its next idle look. Shared by the onboarding store (which stores deliveries with
// their events) and the event endpoint store (which hands the listener in).
export class EnqueuedSignal {
  readonly #listeners: ((at: number) => void)[] = [];

  on(listener: (at: number) => void): void {
    this.#listeners.push(listener);
  }

  emit(at: number): void {
    for (const listener of this.#listeners) listener(at);
  }
}
