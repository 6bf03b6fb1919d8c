// A subscriber to one onboarding first receives its current state, then every later version in
// order: it subscribes before reading, so no change can fall between the two. Events from other
// instances can arrive out of order or not at all; inOrder puts them back (events/in-order.ts).
// A browser's subscription ends with its session: when the token expires, and when the session is
// revoked (the onboarding finished, or a newer session was issued with revokeOthers).
import { GraphQLError } from 'graphql';
import { mayAccess } from '../auth/onboarding-access.ts';
import type { OnboardingSnapshot } from '../db/store.ts';
import { inOrder } from '../events/in-order.ts';
import { builder, type GraphQLContext } from '../schema/builder.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { OnboardingRef } from '../schema/onboarding.ts';

builder.subscriptionField('onboardingUpdated', (t) =>
  t.field({
    type: OnboardingRef,
    description: 'The onboarding now, then again after every change, in order.',
    args: { id: t.arg.id({ required: true }) },
    authScopes: { read: true, session: true },
    subscribe: (_root, args, ctx) => watchOnboarding(ctx, rawOnboardingId(args.id)),
    resolve: (snapshot) => snapshot,
  }),
);

function sessionEnded(): GraphQLError {
  return new GraphQLError(
    'This session was ended: a newer one was issued for the onboarding. Ask your backend for a fresh session token.',
    { extensions: { code: 'UNAUTHENTICATED' } },
  );
}

async function* watchOnboarding(
  ctx: GraphQLContext,
  onboardingId: string,
): AsyncGenerator<OnboardingSnapshot> {
  const updates = await ctx.events.subscribe(onboardingId);
  // A session token is good for an hour: its subscription ends with it (the browser asks its
  // backend for a fresh token and subscribes again).
  const expiry =
    ctx.caller.kind === 'session'
      ? setTimeout(() => void updates.return?.(), Math.max(0, ctx.caller.expiresAt - Date.now()))
      : undefined;
  try {
    const current = mayAccess(ctx.caller, onboardingId)
      ? await ctx.onboardings.get(onboardingId)
      : null;
    if (!current) {
      throw new GraphQLError('No onboarding with this id', { extensions: { code: 'NOT_FOUND' } });
    }
    const caller = ctx.caller;
    const revoked = (snapshot: OnboardingSnapshot) =>
      caller.kind === 'session' && snapshot.onboarding.sessionGeneration !== caller.generation;
    // Revoked between the token's check and the subscription (the caller saw an older version).
    if (revoked(current)) throw sessionEnded();
    yield current;
    for await (const snapshot of inOrder(updates, {
      after: current.onboarding.version,
      version: (s) => s.onboarding.version,
      current: () => ctx.onboardings.get(onboardingId),
    })) {
      if (!revoked(snapshot)) {
        yield snapshot;
        continue;
      }
      // The change that ended the session: a finished onboarding is shown to the end (the page
      // learns how it ended); a session revoked by a newer one is told so, and sees nothing more.
      if (snapshot.onboarding.status !== 'READY' && snapshot.onboarding.status !== 'CANCELLED') {
        throw sessionEnded();
      }
      yield snapshot;
      return;
    }
  } finally {
    clearTimeout(expiry);
    await updates.return?.();
  }
}
