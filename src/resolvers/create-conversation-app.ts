import { builder } from '../schema/builder.ts';
import { onboardingResult } from '../schema/errors.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { OnboardingRef } from '../schema/onboarding.ts';

builder.mutationField('createConversationApp', (t) =>
  t.field({
    type: OnboardingRef,
    description:
      'Creates the Conversation API app with the active sender’s credentials, then registers its webhook. Automatic provisioning does this by itself. Refused (PreconditionFailed) until the sender is ACTIVE.',
    errors: onboardingResult('CreateConversationApp'),
    args: { onboardingId: t.arg.id({ required: true }) },
    authScopes: { write: true },
    resolve: async (_root, args, ctx) =>
      await ctx.onboardings.createConversationApp(rawOnboardingId(args.onboardingId)),
  }),
);
