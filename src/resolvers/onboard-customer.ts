import { GraphQLError } from 'graphql';
import { InvalidInputError } from '../onboarding/errors.ts';
import { builder } from '../schema/builder.ts';
import { OnboardCustomerInput, OnboardCustomerPayload } from '../schema/onboarding.ts';

builder.mutationField('onboardCustomer', (t) =>
  t.field({
    type: OnboardCustomerPayload,
    description:
      'Starts a customer’s onboarding. On the SENDZEN path (the default) it returns the iframe URL to embed; if SendZen fails, the onboarding is still returned: its SENDZEN_PROJECT step says why and retries by itself. On the META_EMBEDDED_SIGNUP path it returns `metaSignupLaunch`, what your page needs to launch Meta’s Embedded Signup (refused with InvalidInput when the gateway has no Meta app configured).',
    args: { input: t.arg({ type: OnboardCustomerInput, required: true }) },
    authScopes: { write: true },
    resolve: async (_root, { input }, ctx) => {
      const { labels, ...fields } = withoutNulls(input);
      const { snapshot, created } = await ctx.onboardings
        .onboardCustomer({
          ...fields,
          labels: labels && Object.fromEntries(labels.map((l) => [l.key, l.value])),
        })
        .catch((error: unknown) => {
          // The payload has no error union: a refused input is the caller's, said as such.
          if (!(error instanceof InvalidInputError)) throw error;
          throw new GraphQLError(error.message, {
            extensions: { code: 'BAD_USER_INPUT', field: error.field },
          });
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
