// What GraphiQL opens with in sandbox mode: the whole onboarding, one tab per operation, each with
// its variables filled in so ▶ runs it as it opens. The development key is in each tab's headers
// unless the sandbox is open to the network.
import type { GraphiQLOptions } from 'graphql-yoga';

export type GraphiQLTab = NonNullable<GraphiQLOptions['defaultTabs']>[number];

export interface WalkthroughPlace {
  /** Where the gateway listens, e.g. http://127.0.0.1:4000 */
  gatewayUrl: string;
  /** The bundled fake's controls, e.g. http://127.0.0.1:4010/_sandbox */
  sandboxControlsUrl: string;
  /** The `authorization` header every tab sends; none when the sandbox is open to the network. */
  authorization?: string;
}

/** The customer the walkthrough onboards; onboarding it again returns the same onboarding. */
export const WALKTHROUGH_CLIENT = 'acme-42';

export function graphiqlWalkthrough(place: WalkthroughPlace): GraphiQLTab[] {
  const headers = place.authorization
    ? json({ authorization: place.authorization })
    : json({ authorization: 'Bearer <your API key>' });
  const customer = json({ clientIdentifier: WALKTHROUGH_CLIENT });
  const tab = (query: string, variables?: string): GraphiQLTab => ({
    query,
    headers,
    ...(variables ? { variables } : {}),
  });
  return [
    tab(
      `# Walk a customer to READY against the bundled fake, one tab per step: run each with ▶.
# This GraphiQL talks to ${place.gatewayUrl}/graphql; the fake's controls are at
# ${place.sandboxControlsUrl} (this machine only).
#
# 1. Start: returns the iframe URL to embed and a session token for the browser. Running it
#    again for the same clientIdentifier (see Variables) returns the same onboarding.
mutation Start($clientIdentifier: String!) {
  onboardCustomer(input: { clientIdentifier: $clientIdentifier, displayName: "Acme Bakery", region: EU }) {
    created
    sessionToken
    onboarding { id status iframeUrl iframeUrlExpiresAt }
  }
}
`,
      customer,
    ),
    tab(
      `# 2. Watch: every onboarding's changes, live. Leave it running and go on in the next tab.
subscription Watch {
  onboardingsUpdated {
    id
    clientIdentifier
    version
    status
    steps { name status attempts error { code message } }
    actionRequired { step code message retryable }
  }
}
`,
    ),
    tab(
      `# 3. Complete the signup, as the customer would: open the iframeUrl Start returned and press
#    "Complete signup", or, from a shell on this machine:
#      curl -X POST ${place.sandboxControlsUrl}/sendzen/signups \\
#        -H 'content-type: application/json' -d '{"clientIdentifier":"${WALKTHROUGH_CLIENT}","status":"completed"}'
#    Then run Read: a few seconds later it shows READY, the sender, the app and its webhooks.
query Read($clientIdentifier: String!) {
  onboardings(search: $clientIdentifier, first: 1) {
    edges {
      node {
        id
        status
        signup { status wabaId phoneNumberId source }
        sender { id state bearerTokenPreview }
        conversationApp { id region credentialStatus }
        webhooks { target triggers }
        events(first: 100) { edges { node { at type message } } }
      }
    }
  }
}
`,
      customer,
    ),
    tab(
      `# 4. Retry: only when a step failed (Watch and Read show which). Replace the id in Variables
#    with the onboarding's id: Start's onboarding.id, or Read's node.id.
mutation Retry($id: ID!) {
  retryOnboarding(onboardingId: $id) {
    __typename
    ... on RetryOnboardingSuccess { onboarding { status } }
    ... on Error { message }
  }
}
`,
      json({ id: '<onboarding id from Start or Read>' }),
    ),
  ];
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
