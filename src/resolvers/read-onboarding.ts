import { mayAccess } from '../auth/onboarding-access.ts';
import { builder } from '../schema/builder.ts';
import { rawOnboardingId } from '../schema/ids.ts';
import { OnboardingRef } from '../schema/onboarding.ts';

builder.queryField('onboarding', (t) =>
  t.field({
    type: OnboardingRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    authScopes: { read: true, session: true },
    resolve: async (_root, args, ctx) => {
      const id = rawOnboardingId(args.id);
      return mayAccess(ctx.caller, id) ? await ctx.onboardings.get(id) : null;
    },
  }),
);
