import type { GraphQLContext } from '../schema/builder.ts';
import { rawOnboardingId } from '../schema/ids.ts';

export async function issueOnboardingSession(
  _root: unknown,
  args: { onboardingId: string | number },
  ctx: GraphQLContext,
) {
  const snapshot = await ctx.onboardings.requireOpen(rawOnboardingId(args.onboardingId));
  return { ...ctx.sessions.issue(snapshot.onboarding.id), onboarding: snapshot };
}
