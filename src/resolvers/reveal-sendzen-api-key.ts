import { describeCaller } from '../auth/caller.ts';
import { OnboardingNotFoundError, PreconditionError } from '../onboarding/errors.ts';
import { builder } from '../schema/builder.ts';
import { CustomerApiKeyRef } from '../schema/credentials.ts';
import { rawOnboardingId } from '../schema/ids.ts';

builder.mutationField('revealSendzenApiKey', (t) =>
  t.field({
    type: CustomerApiKeyRef,
    description:
      'Reveals the customer’s SendZen API key, which the vendor needs to send messages for that customer. Admin keys only; every call is written to the onboarding’s event log with the caller’s name.',
    authScopes: { admin: true },
    errors: {
      types: [OnboardingNotFoundError, PreconditionError],
      union: { name: 'RevealSendzenApiKeyResult' },
      result: { name: 'RevealSendzenApiKeySuccess' },
      dataField: { name: 'customerApiKey' },
    },
    args: { onboardingId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const id = rawOnboardingId(args.onboardingId);
      const { apiKey, snapshot } = await ctx.onboardings.revealSendzenApiKey(
        id,
        describeCaller(ctx.caller),
      );
      return { apiKey, onboarding: snapshot };
    },
  }),
);
