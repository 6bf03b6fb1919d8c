import type { GraphQLContext } from '../schema/builder.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { requireAccess } from './access.ts';

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

export function relaySignupResult(_root: unknown, { input }: Args, ctx: GraphQLContext) {
  const id = requireAccess(ctx, rawOnboardingId(input.onboardingId));
  return ctx.onboardings.relaySignup(id, {
    status: input.status,
    wabaId: input.wabaId ?? undefined,
    phoneNumberId: input.phoneNumberId ?? undefined,
    projectId: input.projectId ?? undefined,
    clientIdentifier: input.clientIdentifier ?? undefined,
    code: input.code ?? undefined,
    message: input.message ?? undefined,
  });
}
