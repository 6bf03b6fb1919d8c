import { requireAccess } from '../auth/onboarding-access.ts';
import type { GraphQLContext } from '../schema/builder.ts';
import { rawOnboardingId } from '../schema/ids.ts';

interface Args {
  input: {
    onboardingId: string | number;
    status: 'COMPLETED' | 'FAILED';
    wabaId?: string | null;
    phoneNumberId?: string | null;
    projectId?: string | null;
    clientIdentifier?: string | null;
    code?: string | null;
    message?: string | null;
  };
}

export async function relaySignupResult(_root: unknown, { input }: Args, ctx: GraphQLContext) {
  const { onboardingId, ...relayed } = input;
  const id = requireAccess(ctx.caller, rawOnboardingId(onboardingId));
  return await ctx.onboardings.relaySignup(id, relayed);
}
