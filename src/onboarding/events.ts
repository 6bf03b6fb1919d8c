// Live updates: one topic per onboarding and one feed of all of them. Each change publishes the
// snapshot it produced, so every subscriber gets every version in order without reading the
// database again.
import { createPubSub } from 'graphql-yoga';
import type { OnboardingSnapshot } from './snapshot.ts';

export type OnboardingPubSub = ReturnType<typeof createOnboardingPubSub>;

export function createOnboardingPubSub() {
  return createPubSub<{
    onboarding: [onboardingId: string, snapshot: OnboardingSnapshot];
    onboardings: [snapshot: OnboardingSnapshot];
  }>();
}

export function publishSnapshot(pubsub: OnboardingPubSub, snapshot: OnboardingSnapshot): void {
  pubsub.publish('onboarding', snapshot.onboarding.id, snapshot);
  pubsub.publish('onboardings', snapshot);
}
