import { builder } from '../schema/builder.ts';
import { onboardingResult } from '../schema/errors.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { OnboardingRef } from '../schema/onboarding.ts';

builder.mutationField('cancelOnboarding', (t) =>
  t.field({
    type: OnboardingRef,
    description:
      'Stops the onboarding: no further step runs. What was already created upstream stays.',
    errors: onboardingResult('CancelOnboarding'),
    args: { onboardingId: t.arg.id({ required: true }) },
    authScopes: { write: true },
    resolve: async (_root, args, ctx) =>
      await ctx.onboardings.cancel(rawOnboardingId(args.onboardingId)),
  }),
);
