import { builder } from '../schema/builder.ts';
import { onboardingResult } from '../schema/errors.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { OnboardingRef } from '../schema/onboarding.ts';

builder.mutationField('createSender', (t) =>
  t.field({
    type: OnboardingRef,
    description:
      'Creates the WhatsApp sender from the customer’s signup result. Automatic provisioning does this by itself; call it when the onboarding was started with `autoProvision: false`. Refused (PreconditionFailed) until the signup completed.',
    errors: onboardingResult('CreateSender'),
    args: { onboardingId: t.arg.id({ required: true }) },
    authScopes: { write: true },
    resolve: async (_root, args, ctx) =>
      await ctx.onboardings.createSender(rawOnboardingId(args.onboardingId)),
  }),
);
