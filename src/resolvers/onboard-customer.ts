import { builder } from '../schema/builder.ts';
import { OnboardCustomerInput, OnboardCustomerPayload } from '../schema/onboarding.ts';

builder.mutationField('onboardCustomer', (t) =>
  t.field({
    type: OnboardCustomerPayload,
    description:
      'Starts a customer’s onboarding and returns it with the iframe URL to embed. If SendZen fails, the onboarding is still returned: its SENDZEN_PROJECT step says why and retries by itself.',
    args: { input: t.arg({ type: OnboardCustomerInput, required: true }) },
    authScopes: { write: true },
    resolve: async (_root, { input }, ctx) => {
      const { snapshot, created } = await ctx.onboardings.onboardCustomer({
        clientIdentifier: input.clientIdentifier,
        displayName: input.displayName ?? undefined,
        region: input.region ?? undefined,
        metaLocalStorage: input.metaLocalStorage ?? undefined,
        labels: input.labels
          ? Object.fromEntries(input.labels.map((l) => [l.key, l.value]))
          : undefined,
        autoProvision: input.autoProvision ?? undefined,
      });
      return { created, onboarding: snapshot, session: ctx.sessions.issue(snapshot.onboarding.id) };
    },
  }),
);
