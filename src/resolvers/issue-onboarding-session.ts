import { OnboardingNotFoundError, PreconditionError } from '../onboarding/errors.ts';
import type { GraphQLContext } from '../schema/builder.ts';
import { rawOnboardingId } from '../schema/ids.ts';

export function issueOnboardingSession(
  _root: unknown,
  args: { onboardingId: string | number },
  ctx: GraphQLContext,
) {
  const id = rawOnboardingId(args.onboardingId);
  const snapshot = ctx.onboardings.get(id);
  if (!snapshot) throw new OnboardingNotFoundError(id);
  if (snapshot.onboarding.cancelledAt !== null) {
    throw new PreconditionError('CUSTOMER_SIGNUP', 'The onboarding was cancelled');
  }
  return { ...ctx.sessions.issue(id), onboarding: snapshot };
}
