import type { GraphQLContext } from '../schema/builder.ts';
import { rawOnboardingId } from '../schema/ids.ts';

export function cancelOnboarding(
  _root: unknown,
  args: { onboardingId: string | number },
  ctx: GraphQLContext,
) {
  return ctx.onboardings.cancel(rawOnboardingId(args.onboardingId));
}
