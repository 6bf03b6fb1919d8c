import { GraphQLError } from 'graphql';
import { InvalidInputError, OnboardingNotFoundError } from '../onboarding/errors.ts';
import { builder } from '../schema/builder.ts';
import { CreatedEventEndpointRef, CreateEventEndpointInput } from '../schema/event-endpoint.ts';
import { rawOnboardingId } from '../schema/ids.ts';

builder.mutationField('createEventEndpoint', (t) =>
  t.field({
    type: CreatedEventEndpointRef,
    description:
      'Registers an endpoint that receives every onboarding event (or one onboarding’s) as a signed POST. The answer holds the signing secret, shown this once. Admin keys only.',
    authScopes: { admin: true },
    errors: {
      types: [OnboardingNotFoundError],
      union: { name: 'CreateEventEndpointResult' },
      result: { name: 'CreateEventEndpointSuccess' },
      dataField: { name: 'created' },
    },
    args: { input: t.arg({ type: CreateEventEndpointInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.eventEndpoints
        .create({
          url: input.url,
          onboardingId: input.onboardingId ? rawOnboardingId(input.onboardingId) : undefined,
          description: input.description || undefined,
        })
        .catch((error: unknown) => {
          // A URL the gateway will not send to is the caller's input, said as such.
          if (!(error instanceof InvalidInputError)) throw error;
          throw new GraphQLError(error.message, {
            extensions: { code: 'BAD_USER_INPUT', field: `input.${error.field}` },
          });
        }),
  }),
);
