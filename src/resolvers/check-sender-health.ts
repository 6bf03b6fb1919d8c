import { builder } from '../schema/builder.ts';
import { onboardingResult } from '../schema/errors.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { OnboardingRef } from '../schema/onboarding.ts';

builder.mutationField('checkSenderHealth', (t) =>
  t.field({
    type: OnboardingRef,
    description:
      'Reads the customer’s sender and app from Sinch now and records what they say: the onboarding’s status and `health` follow (a suspension and a revoked credential have no callback, so this is how they show). If Sinch fails or times out, the answer is UpstreamFailure and nothing changes.',
    errors: onboardingResult('CheckSenderHealth'),
    args: { onboardingId: t.arg.id({ required: true }) },
    authScopes: { write: true },
    resolve: async (_root, args, ctx) =>
      await ctx.onboardings.checkHealth(rawOnboardingId(args.onboardingId)),
  }),
);
