// Onboarding events within one process: a topic per onboarding and one feed of all of them.
import { createPubSub } from 'graphql-yoga';
import type { OnboardingSnapshot } from '../db/store.ts';
import type { OnboardingEvents } from '../onboarding/events.ts';
import { listening } from './listening.ts';

export function createInProcessEvents(): OnboardingEvents {
  const pubsub = createPubSub<{
    onboarding: [onboardingId: string, snapshot: OnboardingSnapshot];
    onboardings: [snapshot: OnboardingSnapshot];
  }>();
  return {
    publish(snapshot) {
      pubsub.publish('onboarding', snapshot.onboarding.id, snapshot);
      pubsub.publish('onboardings', snapshot);
    },
    subscribe: async (onboardingId) => listening(pubsub.subscribe('onboarding', onboardingId)),
    subscribeAll: async () => listening(pubsub.subscribe('onboardings')),
  };
}
