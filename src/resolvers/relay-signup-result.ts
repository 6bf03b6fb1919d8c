import { requireAccess } from '../auth/onboarding-access.ts';
import { builder } from '../schema/builder.ts';
import { onboardingResult } from '../schema/errors.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { OnboardingRef, RelaySignupResultInput } from '../schema/onboarding.ts';

builder.mutationField('relaySignupResult', (t) =>
  t.field({
    type: OnboardingRef,
    description:
      'Relays the signup result the iframe posted. SendZen’s webhook reports it too; when the two disagree the webhook wins and the event log says so.',
    errors: onboardingResult('RelaySignupResult'),
    args: { input: t.arg({ type: RelaySignupResultInput, required: true }) },
    authScopes: { write: true, session: true },
    resolve: async (_root, { input }, ctx) => {
      const { onboardingId, ...relayed } = input;
      const id = requireAccess(ctx.caller, rawOnboardingId(onboardingId));
      return await ctx.onboardings.relaySignup(id, relayed);
    },
  }),
);
