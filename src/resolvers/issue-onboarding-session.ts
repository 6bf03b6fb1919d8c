import { OnboardingNotFoundError, PreconditionError } from '../onboarding/errors.ts';
import { builder } from '../schema/builder.ts';
import { OnboardingSessionRef } from '../schema/credentials.ts';
import { rawOnboardingId } from '../schema/ids.ts';

builder.mutationField('issueOnboardingSession', (t) =>
  t.field({
    type: OnboardingSessionRef,
    description: 'A fresh session token for a browser working on this onboarding.',
    authScopes: { write: true },
    errors: {
      types: [OnboardingNotFoundError, PreconditionError],
      union: { name: 'IssueOnboardingSessionResult' },
      result: { name: 'IssueOnboardingSessionSuccess' },
      dataField: { name: 'session' },
    },
    args: { onboardingId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const snapshot = await ctx.onboardings.requireOpen(rawOnboardingId(args.onboardingId));
      return { ...ctx.sessions.issue(snapshot.onboarding.id), onboarding: snapshot };
    },
  }),
);
