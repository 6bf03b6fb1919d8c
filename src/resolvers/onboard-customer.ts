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
      const { labels, ...fields } = withoutNulls(input);
      const { snapshot, created } = await ctx.onboardings.onboardCustomer({
        ...fields,
        labels: labels && Object.fromEntries(labels.map((l) => [l.key, l.value])),
      });
      const { id, sessionGeneration } = snapshot.onboarding;
      return { created, onboarding: snapshot, session: ctx.sessions.issue(id, sessionGeneration) };
    },
  }),
);

/** GraphQL's null for an optional input field means "not given", which the domain spells undefined. */
function withoutNulls<T extends object>(input: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(
    Object.entries(input).map(([key, value]) => [key, value ?? undefined]),
  ) as { [K in keyof T]: Exclude<T[K], null> };
}
