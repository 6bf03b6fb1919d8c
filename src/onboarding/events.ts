// Live updates, as the domain sees them: every change publishes the snapshot it produced, so every
// subscriber gets every version in order without reading the database again. How events travel
// (in this process, or between instances) is the transport's business, behind this interface.
import type { OnboardingSnapshot } from '../db/store.ts';

export interface OnboardingEvents {
  publish(snapshot: OnboardingSnapshot): void;
  /**
   * Every later snapshot of one onboarding. Resolves once it is listening (so a read made after
   * it cannot miss a change); ends when the iterator is returned.
   */
  subscribe(onboardingId: string): Promise<AsyncIterableIterator<OnboardingSnapshot>>;
  /** Every later snapshot of every onboarding; resolves once it is listening. */
  subscribeAll(): Promise<AsyncIterableIterator<OnboardingSnapshot>>;
}
