// The Pothos builder. It defines no types: each domain type lives in its own file beside its
// operations, and src/schema/index.ts imports them all and builds the schema.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import { GraphQLError } from 'graphql';
import type { OnboardingPubSub } from '../onboarding/events.ts';
import type { Onboardings } from '../onboarding/service.ts';

export interface GraphQLContext {
  onboardings: Onboardings;
  pubsub: OnboardingPubSub;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: { DateTime: { Input: Date; Output: Date | number } };
  DefaultFieldNullability: false;
}>({
  plugins: [ErrorsPlugin, ValidationPlugin, RelayPlugin],
  defaultFieldNullability: false,
  relay: { clientMutationId: 'omit', cursorType: 'String' },
  errors: { defaultTypes: [] },
  validation: {
    // A GraphQLError, so yoga shows it rather than masking it as "Unexpected error.".
    validationError: (result) => {
      const issues = result.issues.map((issue) => ({
        path: (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.'),
        message: issue.message,
      }));
      const first = issues[0];
      return new GraphQLError(
        first ? `${first.path ? `${first.path}: ` : ''}${first.message}` : 'Invalid input',
        { extensions: { code: 'BAD_USER_INPUT', issues } },
      );
    },
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO 8601 string in UTC.',
  serialize: (value) => new Date(value).toISOString(),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) {
      throw new GraphQLError('DateTime must be an ISO 8601 string', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    return date;
  },
});
