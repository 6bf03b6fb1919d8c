// The Pothos builder. It defines no types: each domain type lives in its own file here, each
// operation in its own file in src/resolvers/, and src/graphql-schema.ts imports them all and
// builds the schema.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { GraphQLError } from 'graphql';
import type { Caller } from '../auth/caller.ts';
import type { SessionTokens } from '../auth/session-tokens.ts';
import type { MetaSignupConfig } from '../config.ts';
import type { OnboardingEvents } from '../onboarding/events.ts';
import type { Onboardings } from '../onboarding/service.ts';
import type { EventEndpoints } from '../vendor-events/endpoints.ts';

export interface GraphQLContext {
  onboardings: Onboardings;
  /** The vendor's event endpoints and the deliveries to them. */
  eventEndpoints: EventEndpoints;
  /** What a page needs to launch Meta's Embedded Signup; undefined when no Meta app is configured. */
  metaSignup: MetaSignupConfig | undefined;
  events: OnboardingEvents;
  sessions: SessionTokens;
  /** Who is calling: authenticated before the operation runs. */
  caller: Caller;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  /**
   * read/write/admin: a partner API key with that scope (admin includes write includes read).
   * session: an onboarding session token; resolvers narrow it to its one onboarding.
   */
  AuthScopes: { read: boolean; write: boolean; admin: boolean; session: boolean };
  Scalars: { DateTime: { Input: Date; Output: Date | number } };
  DefaultFieldNullability: false;
}>({
  // Scope auth first, so an unauthorized call never reaches validation or a resolver.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ValidationPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authorizeOnSubscribe: true,
    // Checked per operation, not only when the credential arrived: a WebSocket outlives an
    // expiring session token and a key revoked after it connected.
    authScopes: ({ caller }) => {
      const partner = caller.kind === 'partner' ? caller.scopes : undefined;
      return {
        read: partner?.has('read') ?? false,
        write: partner?.has('write') ?? false,
        admin: partner?.has('admin') ?? false,
        session: caller.kind === 'session' && caller.expiresAt > Date.now(),
      };
    },
    unauthorizedError: (_parent, { caller }, info) =>
      (caller.kind === 'session' && caller.expiresAt <= Date.now()) || caller.kind === 'invalid'
        ? new GraphQLError('The credential is no longer valid: expired or revoked', {
            extensions: { code: 'UNAUTHENTICATED' },
          })
        : new GraphQLError(
            `This credential may not use ${info.parentType.name}.${info.fieldName}`,
            {
              extensions: { code: 'FORBIDDEN' },
            },
          ),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: { authScopes: { read: true } },
    nodesQueryOptions: { authScopes: { read: true } },
  },
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
