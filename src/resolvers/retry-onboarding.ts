import { builder } from '../schema/builder.ts';
import { onboardingResult } from '../schema/errors.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { OnboardingRef } from '../schema/onboarding.ts';

builder.mutationField('retryOnboarding', (t) =>
  t.field({
    type: OnboardingRef,
    description: 'Retries every failed step. Steps that succeeded are never repeated.',
    errors: onboardingResult('RetryOnboarding'),
    args: { onboardingId: t.arg.id({ required: true }) },
    authScopes: { write: true },
    resolve: async (_root, args, ctx) =>
      await ctx.onboardings.retry(rawOnboardingId(args.onboardingId)),
  }),
);
