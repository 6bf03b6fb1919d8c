import { requireAccess } from '../auth/onboarding-access.ts';
import { OnboardingNotFoundError, PreconditionError } from '../onboarding/errors.ts';
import type { GraphQLContext } from '../schema/builder.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import type { SignupResult } from '../upstreams/sendzen/contract.ts';

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
  const id = requireAccess(ctx.caller, rawOnboardingId(input.onboardingId));
  const snapshot = ctx.onboardings.get(id);
  if (!snapshot) throw new OnboardingNotFoundError(id);
  const { onboarding } = snapshot;
  if (onboarding.cancelledAt !== null) {
    throw new PreconditionError('CUSTOMER_SIGNUP', 'The onboarding was cancelled');
  }
  if (!onboarding.sendzenProjectId) {
    throw new PreconditionError(
      'SENDZEN_PROJECT',
      'The onboarding has no SendZen project yet, so no signup can have happened',
    );
  }
  // The relay names its onboarding; project and customer default to it and must match it if given.
  const base = {
    project_id: input.projectId ?? onboarding.sendzenProjectId,
    client_identifier: input.clientIdentifier ?? onboarding.clientIdentifier,
  };
  const result: SignupResult =
    input.status === 'COMPLETED'
      ? {
          status: 'completed',
          ...base,
          waba_id: input.wabaId!,
          phone_number_id: input.phoneNumberId!,
        }
      : {
          status: 'failed',
          ...base,
          message: input.message ?? 'The customer did not complete the signup.',
        };
  return ctx.onboardings.recordSignup(id, {
    result,
    code: input.code ?? undefined,
    source: 'relay',
  });
}
