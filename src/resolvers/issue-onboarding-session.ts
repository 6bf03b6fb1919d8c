import { describeCaller } from '../auth/caller.ts';
import { OnboardingNotFoundError, PreconditionError } from '../onboarding/errors.ts';
import { builder } from '../schema/builder.ts';
import { OnboardingSessionRef } from '../schema/credentials.ts';
import { rawOnboardingId } from '../schema/ids.ts';

builder.mutationField('issueOnboardingSession', (t) =>
  t.field({
    type: OnboardingSessionRef,
    description:
      'A fresh session token for a browser working on this onboarding. With `revokeOthers`, every token issued for it before ends at once: later requests with one answer UNAUTHENTICATED and its open subscriptions end. Tokens also end when the onboarding becomes READY or is cancelled.',
    authScopes: { write: true },
    errors: {
      types: [OnboardingNotFoundError, PreconditionError],
      union: { name: 'IssueOnboardingSessionResult' },
      result: { name: 'IssueOnboardingSessionSuccess' },
      dataField: { name: 'session' },
    },
    args: {
      onboardingId: t.arg.id({ required: true }),
      revokeOthers: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: 'End every session token issued for this onboarding before this one.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const id = rawOnboardingId(args.onboardingId);
      const snapshot = args.revokeOthers
        ? await ctx.onboardings.revokeSessions(id, describeCaller(ctx.caller))
        : await ctx.onboardings.requireOpen(id);
      const { sessionGeneration } = snapshot.onboarding;
      return { ...ctx.sessions.issue(id, sessionGeneration), onboarding: snapshot };
    },
  }),
);
