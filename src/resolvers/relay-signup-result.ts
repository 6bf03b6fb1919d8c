import { requireAccess } from '../auth/onboarding-access.ts';
import { builder } from '../schema/builder.ts';
import { onboardingResult } from '../schema/errors.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { OnboardingRef, RelaySignupResultInput } from '../schema/onboarding.ts';

builder.mutationField('relaySignupResult', (t) =>
  t.field({
    type: OnboardingRef,
    description:
      'Relays the signup result the iframe posted, with the onboarding’s session token. A relayed completion is shown at once (`signup.awaitingConfirmation`) but creates nothing: provisioning starts when SendZen’s webhook confirms it, or at once when it carries Meta’s authorization code (`code`), which Sinch verifies when it creates the sender. Unconfirmed after SIGNUP_CONFIRMATION_WINDOW_MS, the onboarding asks for action (SIGNUP_NOT_CONFIRMED). When the relay and the webhook disagree, the webhook wins and the event log says so. A relayed failure is applied at once.',
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
