// What GraphiQL opens with in sandbox mode: the whole onboarding as named operations, run top to
// bottom. The development key is already in the headers tab.
export const GRAPHIQL_WALKTHROUGH = /* GraphQL */ `# Walk a customer to READY against the bundled fake. Run the operations in order
# (the ▶ button offers each by name). Variables: { "clientIdentifier": "acme-42" } for Start,
# then { "id": "<onboarding.id from Start>" } for the others.
#
# 1. Start: returns the iframe URL to embed and a session token for the browser.
# 2. Watch: a live subscription (open it in a second tab to watch while you go on).
# 3. Complete the signup: open the iframeUrl and press "Complete signup", or run
#      curl -X POST http://127.0.0.1:4010/_sandbox/sendzen/signups \\
#        -H 'content-type: application/json' -d '{"clientIdentifier":"acme-42","status":"completed"}'
# 4. Read: the sender, the app, its webhooks and the event log once READY.

mutation Start($clientIdentifier: String!) {
  onboardCustomer(input: { clientIdentifier: $clientIdentifier, displayName: "Acme Bakery", region: EU }) {
    created
    sessionToken
    onboarding { id status iframeUrl iframeUrlExpiresAt }
  }
}

subscription Watch($id: ID!) {
  onboardingUpdated(id: $id) {
    version
    status
    steps { name status attempts error { code message } }
    actionRequired { step code message retryable }
  }
}

query Read($id: ID!) {
  onboarding(id: $id) {
    status
    signup { status wabaId phoneNumberId source }
    sender { id state bearerTokenPreview }
    conversationApp { id region credentialStatus }
    webhooks { target triggers }
    events(first: 100) { edges { node { at type message } } }
  }
}

mutation Retry($id: ID!) {
  retryOnboarding(onboardingId: $id) {
    __typename
    ... on RetryOnboardingSuccess { onboarding { status } }
    ... on Error { message }
  }
}
`;
