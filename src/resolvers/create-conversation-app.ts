import type { GraphQLContext } from '../schema/builder.ts';
import { rawOnboardingId } from '../schema/ids.ts';

export async function createConversationApp(
  _root: unknown,
  args: { onboardingId: string | number },
  ctx: GraphQLContext,
) {
  return await ctx.onboardings.createConversationApp(rawOnboardingId(args.onboardingId));
}
