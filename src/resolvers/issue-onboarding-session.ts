import type { GraphQLContext } from '../schema/builder.ts';
import { rawOnboardingId } from '../schema/ids.ts';

export async function issueOnboardingSession(
  _root: unknown,
  args: { onboardingId: string | number },
  ctx: GraphQLContext,
) {
  const id = rawOnboardingId(args.onboardingId);
  const snapshot = await ctx.onboardings.requireOpen(id);
  return { ...ctx.sessions.issue(id), onboarding: snapshot };
}
