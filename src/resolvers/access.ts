// A session token sees exactly one onboarding. Asked about any other, it is told "not found", the
// same answer as for an id that does not exist, so a token cannot probe which onboardings exist.
import { OnboardingNotFoundError } from '../onboarding/errors.ts';
import type { GraphQLContext } from '../schema/builder.ts';

export function mayAccess(ctx: GraphQLContext, onboardingId: string): boolean {
  return ctx.caller.kind !== 'session' || ctx.caller.onboardingId === onboardingId;
}

export function requireAccess(ctx: GraphQLContext, onboardingId: string): string {
  if (!mayAccess(ctx, onboardingId)) throw new OnboardingNotFoundError(onboardingId);
  return onboardingId;
}
