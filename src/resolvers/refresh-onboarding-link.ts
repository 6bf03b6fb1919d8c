import { builder } from '../schema/builder.ts';
import { onboardingResult } from '../schema/errors.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { OnboardingRef } from '../schema/onboarding.ts';

builder.mutationField('refreshOnboardingLink', (t) =>
  t.field({
    type: OnboardingRef,
    description:
      'Issues a fresh iframe URL (each lives one hour). After a failed or cancelled signup, lets the customer try again.',
    errors: onboardingResult('RefreshOnboardingLink'),
    args: { onboardingId: t.arg.id({ required: true }) },
    authScopes: { write: true },
    resolve: async (_root, args, ctx) =>
      await ctx.onboardings.refreshLink(rawOnboardingId(args.onboardingId)),
  }),
);
