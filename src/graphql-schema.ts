// Builds the GraphQL schema. The types in src/schema/ and the operations in src/resolvers/ each
// register themselves with the builder when imported, so every one is imported here, explicitly,
// before the schema is built. It lives outside both so that neither imports the other's room.
import './schema/step.ts';
import './schema/errors.ts';
import './schema/onboarding.ts';
import './schema/sender.ts';
import './schema/conversation-app.ts';
import './schema/credentials.ts';
import './schema/phone-number.ts';
import './schema/meta-signup.ts';
import './schema/health.ts';
import './schema/event-endpoint.ts';
import './schema/test-message.ts';
import './resolvers/read-onboarding.ts';
import './resolvers/list-onboardings.ts';
import './resolvers/onboard-customer.ts';
import './resolvers/refresh-onboarding-link.ts';
import './resolvers/relay-signup-result.ts';
import './resolvers/relay-meta-signup.ts';
import './resolvers/add-phone-number.ts';
import './resolvers/check-sender-health.ts';
import './resolvers/retry-onboarding.ts';
import './resolvers/cancel-onboarding.ts';
import './resolvers/watch-onboarding.ts';
import './resolvers/watch-onboardings.ts';
import './resolvers/create-sender.ts';
import './resolvers/create-conversation-app.ts';
import './resolvers/issue-onboarding-session.ts';
import './resolvers/reveal-sendzen-api-key.ts';
import './resolvers/create-event-endpoint.ts';
import './resolvers/list-event-endpoints.ts';
import './resolvers/delete-event-endpoint.ts';
import './resolvers/list-event-deliveries.ts';
import './resolvers/replay-event-delivery.ts';
import './resolvers/send-test-message.ts';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './schema/builder.ts';

export const schema = builder.toSchema();

export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
