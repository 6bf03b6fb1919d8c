import { describeCaller } from '../auth/caller.ts';
import type { GraphQLContext } from '../schema/builder.ts';
import { rawOnboardingId } from '../schema/ids.ts';

export async function revealSendzenApiKey(
  _root: unknown,
  args: { onboardingId: string | number },
  ctx: GraphQLContext,
) {
  const id = rawOnboardingId(args.onboardingId);
  const { apiKey, snapshot } = await ctx.onboardings.revealSendzenApiKey(
    id,
    describeCaller(ctx.caller),
  );
  return { apiKey, onboarding: snapshot };
}
