import type { OnboardingStatus } from '../db/schema.ts';
import type { OnboardingSnapshot } from '../db/store.ts';
import { newerOnly } from '../events/in-order.ts';
import { builder, type GraphQLContext } from '../schema/builder.ts';
import { OnboardingRef, OnboardingStatusEnum } from '../schema/onboarding.ts';

builder.subscriptionField('onboardingsUpdated', (t) =>
  t.field({
    type: OnboardingRef,
    description:
      'Every onboarding’s changes as they happen, optionally only those in the given statuses.',
    args: { status: t.arg({ type: [OnboardingStatusEnum], required: false }) },
    authScopes: { read: true },
    subscribe: (_root, args, ctx) => watchOnboardings(ctx, args.status ?? undefined),
    resolve: (snapshot) => snapshot,
  }),
);

async function* watchOnboardings(
  ctx: GraphQLContext,
  statuses: readonly OnboardingStatus[] | undefined,
): AsyncGenerator<OnboardingSnapshot> {
  const updates = await ctx.events.subscribeAll();
  // Across instances a version can arrive after a newer one of the same onboarding: the feed does
  // not wait for gaps (it never read a starting state), it only never goes back in time.
  const isNewer = newerOnly();
  try {
    for await (const snapshot of updates) {
      if (!isNewer(snapshot.onboarding.id, snapshot.onboarding.version)) continue;
      if (!statuses?.length || statuses.includes(snapshot.onboarding.status)) yield snapshot;
    }
  } finally {
    await updates.return?.();
  }
}
