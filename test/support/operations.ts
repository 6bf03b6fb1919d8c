// Every GraphQL document the suites send, written once, named, and typed with what it answers.
// A document is the string that goes over the wire; `__result` is never set and only carries the
// result's type to `gql()`, `sse()` and `ws()`, so a suite reads its answers typed. An operation
// lists the fragments it spreads and they are appended to it (each once), so what is sent is a
// complete document. test/schema/operations.test.ts validates every export against schema.graphql.
//
// The bad-input and hardening suites also send documents that are odd on purpose (malformed, too
// deep, too many aliases, literal arguments out of range): those stay inline where they are the
// thing under test, and nowhere else.
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  type GraphQLField,
  type GraphQLNamedType,
  getNamedType,
  isEnumType,
  isObjectType,
  isScalarType,
} from 'graphql';

export interface Operation<TResult> {
  /** The operation's own name in the document, e.g. `ReadOnboarding`. */
  readonly name: string;
  /** The document, with the fragments it uses. */
  readonly query: string;
  /** Never set: the type of `data` in the answer. */
  readonly __result?: TResult;
}

/** The type of `data` an operation answers. */
export type ResultOf<O> = O extends Operation<infer T> ? T : never;

/** What a helper takes: an operation from this module, or an ad-hoc document under test. */
export type Document<TResult> = Operation<TResult> | string;

export const documentText = (document: Document<unknown>): string =>
  typeof document === 'string' ? document : document.query;

// ---------------------------------------------------------------------------------------------
// Fragments
// ---------------------------------------------------------------------------------------------

const fragments = new Map<string, string>();

function fragment(source: string): void {
  const name = /^\s*fragment\s+(\w+)\s+on\s/.exec(source)?.[1];
  if (!name) throw new Error(`a fragment needs a name: ${source}`);
  fragments.set(name, source.trim());
}

function operation<TResult>(source: string): Operation<TResult> {
  const name = /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(source)?.[1];
  if (!name) throw new Error(`an operation needs a name: ${source}`);
  const used: string[] = [];
  const collect = (text: string) => {
    for (const [, spread] of text.matchAll(/\.\.\.\s*([_A-Za-z]\w*)/g)) {
      if (spread === 'on' || used.includes(spread!)) continue;
      const definition = fragments.get(spread!);
      if (!definition) throw new Error(`${name} spreads an unknown fragment ${spread}`);
      used.push(spread!);
      collect(definition);
    }
  };
  collect(source);
  return { name, query: [source.trim(), ...used.map((f) => fragments.get(f))].join('\n') };
}

fragment(/* GraphQL */ `
  fragment StepView on Step {
    name phoneNumberId status attempts nextAttemptAt waitingFor
    error { code upstream retryable message }
  }
`);

fragment(/* GraphQL */ `
  fragment OnboardingView on Onboarding {
    id version status clientIdentifier attempt autoProvision signupPath
    iframeUrl iframeUrlExpiresAt sendzenProjectId subprojectId cancelledAt
    hasSendzenApiKey sendzenApiKeyPreview
    signup { status source wabaId phoneNumberId message awaitingConfirmation }
    metaSignupLaunch { sdkUrl appId configId solutionId graphApiVersion messageOrigins }
    steps { ...StepView }
    phoneNumbers {
      phoneNumberId first status
      steps { ...StepView }
      sender { id state phoneNumberId }
    }
    actionRequired { step code upstream retryable message }
    sender {
      id state wabaId phoneNumberId hasBearerToken bearerTokenPreview errorCode errorReason
    }
    conversationApp { id region senderId credentialStatus }
    webhooks { id appId triggers }
    events(first: 200) { edges { node { type step message } } }
  }
`);

/** What every expected failure of a mutation says; the union's success is spread beside it. */
fragment(/* GraphQL */ `
  fragment Problem on Error {
    message
    ... on PreconditionFailed { step }
    ... on InvalidInput { field }
    ... on UpstreamFailure { code upstream retryable }
    ... on PhoneNumberUnavailable { code phoneNumberId }
  }
`);

export type StepName =
  | 'SENDZEN_PROJECT'
  | 'SINCH_SUBPROJECT'
  | 'PROVISIONING_WEBHOOK'
  | 'CUSTOMER_SIGNUP'
  | 'WHATSAPP_SENDER'
  | 'CONVERSATION_APP'
  | 'APP_WEBHOOK'
  | 'APP_CHANNEL';
export type StepStatus = 'PENDING' | 'RUNNING' | 'WAITING' | 'SUCCEEDED' | 'FAILED';
export type OnboardingStatus =
  | 'AWAITING_SIGNUP'
  | 'AWAITING_PHONE_NUMBER'
  | 'DISPLAY_NAME_IN_REVIEW'
  | 'DISPLAY_NAME_REJECTED'
  | 'QUALITY_LOW'
  | 'CREDENTIAL_REVOKED'
  | 'SENDER_INACTIVE'
  | 'SENDER_SUSPENDED'
  | 'PROVISIONING'
  | 'READY'
  | 'ACTION_REQUIRED'
  | 'CANCELLED';

export interface StepView {
  name: StepName;
  phoneNumberId: string | null;
  status: StepStatus;
  attempts: number;
  nextAttemptAt: string | null;
  waitingFor: string | null;
  error: { code: string; upstream: string | null; retryable: boolean; message: string } | null;
}

export interface EventView {
  type: string;
  step: StepName | null;
  message: string;
}

/** An onboarding as the suites read it: with its steps, signup, sender, app, webhooks and log. */
export interface OnboardingView {
  id: string;
  version: number;
  status: OnboardingStatus;
  clientIdentifier: string;
  attempt: number;
  autoProvision: boolean;
  signupPath: 'SENDZEN' | 'META_EMBEDDED_SIGNUP';
  iframeUrl: string | null;
  iframeUrlExpiresAt: string | null;
  sendzenProjectId: string | null;
  subprojectId: string | null;
  cancelledAt: string | null;
  hasSendzenApiKey: boolean;
  sendzenApiKeyPreview: string | null;
  signup: {
    status: string;
    source: string;
    wabaId: string | null;
    phoneNumberId: string | null;
    message: string | null;
    awaitingConfirmation: boolean;
  } | null;
  metaSignupLaunch: {
    sdkUrl: string;
    appId: string;
    configId: string;
    solutionId: string | null;
    graphApiVersion: string;
    messageOrigins: string[];
  } | null;
  steps: StepView[];
  phoneNumbers: {
    phoneNumberId: string;
    first: boolean;
    status: 'PROVISIONING' | 'READY' | 'ACTION_REQUIRED';
    steps: StepView[];
    sender: { id: string; state: string; phoneNumberId: string } | null;
  }[];
  actionRequired: {
    step: StepName;
    code: string;
    upstream: string | null;
    retryable: boolean;
    message: string;
  } | null;
  sender: {
    id: string;
    state: string;
    wabaId: string;
    phoneNumberId: string;
    hasBearerToken: boolean;
    bearerTokenPreview: string | null;
    errorCode: string | null;
    errorReason: string | null;
  } | null;
  conversationApp: {
    id: string;
    region: string;
    senderId: string;
    credentialStatus: string | null;
  } | null;
  webhooks: { id: string; appId: string; triggers: string[] }[];
  events: { edges: { node: EventView }[] };
}

/** A mutation's typed result: `__typename`, the `Problem` fields, or the success's fields. */
export type Outcome<TSuccess> = {
  __typename: string;
  message?: string;
  step?: StepName;
  field?: string;
  code?: string;
  upstream?: string;
  retryable?: boolean;
  phoneNumberId?: string;
} & Partial<TSuccess>;

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

export const ReadOnboarding = operation<{ onboarding: OnboardingView | null }>(/* GraphQL */ `
  query ReadOnboarding($id: ID!) { onboarding(id: $id) { ...OnboardingView } }
`);

/** Whether an id names an onboarding the caller may see, and which customer's it is. */
export const LookUpOnboarding = operation<{
  onboarding: { id: string; clientIdentifier: string } | null;
}>(/* GraphQL */ `
  query LookUpOnboarding($id: ID!) { onboarding(id: $id) { id clientIdentifier } }
`);

export interface EventPage {
  edges: {
    cursor: string;
    node: {
      sequence: number;
      version: number;
      at: string;
      type: string;
      step: StepName | null;
      message: string;
    };
  }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export const ReadEventPage = operation<{
  onboarding: { version: number; events: EventPage } | null;
}>(/* GraphQL */ `
  query ReadEventPage($id: ID!, $first: Int, $after: String) {
    onboarding(id: $id) {
      version
      events(first: $first, after: $after) {
        edges { cursor node { sequence version at type step message } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`);

export interface OnboardingPage {
  edges: {
    cursor: string;
    node: { id: string; clientIdentifier: string; status: OnboardingStatus };
  }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

export const ListOnboardings = operation<{ onboardings: OnboardingPage }>(/* GraphQL */ `
  query ListOnboardings(
    $first: Int, $after: String, $status: [OnboardingStatus!], $search: String
  ) {
    onboardings(first: $first, after: $after, status: $status, search: $search) {
      edges { cursor node { id clientIdentifier status } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

/** An onboarding with the customer's earlier attempts (partner keys only). */
export interface AttemptsView {
  id: string;
  attempt: number;
  status: OnboardingStatus;
  previousAttempts: {
    id: string;
    attempt: number;
    status: OnboardingStatus;
    cancelledAt: string | null;
    events: { edges: { node: EventView }[] };
  }[];
}

export const ReadAttempts = operation<{ onboarding: AttemptsView | null }>(/* GraphQL */ `
  query ReadAttempts($id: ID!) {
    onboarding(id: $id) {
      id attempt status
      previousAttempts {
        id attempt status cancelledAt
        events(first: 200) { edges { node { type step message } } }
      }
    }
  }
`);

export const ReadNode = operation<{
  node: { __typename: string; id: string; clientIdentifier?: string } | null;
}>(/* GraphQL */ `
  query ReadNode($id: ID!) { node(id: $id) { __typename id ... on Onboarding { clientIdentifier } } }
`);

export const ReadNodes = operation<{
  nodes: ({ id: string; clientIdentifier?: string } | null)[];
}>(/* GraphQL */ `
  query ReadNodes($ids: [ID!]!) { nodes(ids: $ids) { id ... on Onboarding { clientIdentifier } } }
`);

// ---------------------------------------------------------------------------------------------
// Mutations: those that change an onboarding answer their success with the whole onboarding
// ---------------------------------------------------------------------------------------------

export interface OnboardCustomerPayload {
  created: boolean;
  sessionToken: string;
  sessionExpiresAt: string;
  onboarding: OnboardingView;
}

export const OnboardCustomer = operation<{ onboardCustomer: OnboardCustomerPayload }>(
  /* GraphQL */ `
    mutation OnboardCustomer($input: OnboardCustomerInput!) {
      onboardCustomer(input: $input) {
        created sessionToken sessionExpiresAt
        onboarding { ...OnboardingView }
      }
    }
  `,
);

type WithOnboarding = { onboarding: OnboardingView };

export const RelaySignupResult = operation<{ relaySignupResult: Outcome<WithOnboarding> }>(
  /* GraphQL */ `
    mutation RelaySignupResult($input: RelaySignupResultInput!) {
      relaySignupResult(input: $input) {
        __typename ...Problem
        ... on RelaySignupResultSuccess { onboarding { ...OnboardingView } }
      }
    }
  `,
);

export const RelayMetaSignup = operation<{ relayMetaSignup: Outcome<WithOnboarding> }>(
  /* GraphQL */ `
    mutation RelayMetaSignup($input: RelayMetaSignupInput!) {
      relayMetaSignup(input: $input) {
        __typename ...Problem
        ... on RelayMetaSignupSuccess { onboarding { ...OnboardingView } }
      }
    }
  `,
);

export const AddPhoneNumber = operation<{ addPhoneNumber: Outcome<WithOnboarding> }>(
  /* GraphQL */ `
    mutation AddPhoneNumber($id: ID!, $phoneNumberId: String!) {
      addPhoneNumber(onboardingId: $id, phoneNumberId: $phoneNumberId) {
        __typename ...Problem
        ... on AddPhoneNumberSuccess { onboarding { ...OnboardingView } }
      }
    }
  `,
);

export const CreateSender = operation<{ createSender: Outcome<WithOnboarding> }>(/* GraphQL */ `
  mutation CreateSender($id: ID!) {
    createSender(onboardingId: $id) {
      __typename ...Problem
      ... on CreateSenderSuccess { onboarding { ...OnboardingView } }
    }
  }
`);

export const CreateConversationApp = operation<{
  createConversationApp: Outcome<WithOnboarding>;
}>(/* GraphQL */ `
  mutation CreateConversationApp($id: ID!) {
    createConversationApp(onboardingId: $id) {
      __typename ...Problem
      ... on CreateConversationAppSuccess { onboarding { ...OnboardingView } }
    }
  }
`);

fragment(/* GraphQL */ `
  fragment TestMessagesView on Onboarding {
    id version status
    sender { id state }
    conversationApp { id }
    testMessages {
      id messageId to text status sentAt deliveredAt
      failure { code reason }
      reply { text at }
    }
    events(first: 200) { edges { node { type step message } } }
  }
`);

export type TestMessageStatus = 'SENT' | 'QUEUED' | 'DELIVERED' | 'READ' | 'FAILED';

export interface TestMessagesView {
  id: string;
  version: number;
  status: OnboardingStatus;
  sender: { id: string; state: string } | null;
  conversationApp: { id: string } | null;
  testMessages: {
    id: string;
    messageId: string;
    to: string;
    text: string;
    status: TestMessageStatus;
    sentAt: string;
    deliveredAt: string | null;
    failure: { code: string | null; reason: string | null } | null;
    reply: { text: string; at: string } | null;
  }[];
  events: { edges: { node: EventView }[] };
}

export const SendTestMessage = operation<{
  sendTestMessage: Outcome<{ onboarding: TestMessagesView }>;
}>(/* GraphQL */ `
  mutation SendTestMessage($id: ID!, $to: String!, $text: String!) {
    sendTestMessage(onboardingId: $id, to: $to, text: $text) {
      __typename ...Problem
      ... on SendTestMessageSuccess { onboarding { ...TestMessagesView } }
    }
  }
`);

export const ReadTestMessages = operation<{ onboarding: TestMessagesView | null }>(/* GraphQL */ `
  query ReadTestMessages($id: ID!) { onboarding(id: $id) { ...TestMessagesView } }
`);

export const WatchTestMessages = operation<{ onboardingUpdated: TestMessagesView }>(/* GraphQL */ `
  subscription WatchTestMessages($id: ID!) { onboardingUpdated(id: $id) { ...TestMessagesView } }
`);

export const RetryOnboarding = operation<{ retryOnboarding: Outcome<WithOnboarding> }>(
  /* GraphQL */ `
    mutation RetryOnboarding($id: ID!) {
      retryOnboarding(onboardingId: $id) {
        __typename ...Problem
        ... on RetryOnboardingSuccess { onboarding { ...OnboardingView } }
      }
    }
  `,
);

export const CancelOnboarding = operation<{ cancelOnboarding: Outcome<WithOnboarding> }>(
  /* GraphQL */ `
    mutation CancelOnboarding($id: ID!) {
      cancelOnboarding(onboardingId: $id) {
        __typename ...Problem
        ... on CancelOnboardingSuccess { onboarding { ...OnboardingView } }
      }
    }
  `,
);

export const RefreshOnboardingLink = operation<{
  refreshOnboardingLink: Outcome<WithOnboarding>;
}>(/* GraphQL */ `
  mutation RefreshOnboardingLink($id: ID!) {
    refreshOnboardingLink(onboardingId: $id) {
      __typename ...Problem
      ... on RefreshOnboardingLinkSuccess { onboarding { ...OnboardingView } }
    }
  }
`);

// These two answer a level deeper: with the whole onboarding they would cost armor ~46,000 of its
// 50,000 (every level multiplies, the 200 events most), so they read only what the suites use.
export const IssueOnboardingSession = operation<{
  issueOnboardingSession: Outcome<{
    session: { token: string; expiresAt: string; onboarding: { id: string; version: number } };
  }>;
}>(/* GraphQL */ `
  mutation IssueOnboardingSession($id: ID!, $revokeOthers: Boolean) {
    issueOnboardingSession(onboardingId: $id, revokeOthers: $revokeOthers) {
      __typename ...Problem
      ... on IssueOnboardingSessionSuccess {
        session { token expiresAt onboarding { id version } }
      }
    }
  }
`);

export const RevealSendzenApiKey = operation<{
  revealSendzenApiKey: Outcome<{
    customerApiKey: { apiKey: string; onboarding: { id: string; sendzenApiKeyPreview: string } };
  }>;
}>(/* GraphQL */ `
  mutation RevealSendzenApiKey($id: ID!) {
    revealSendzenApiKey(onboardingId: $id) {
      __typename ...Problem
      ... on RevealSendzenApiKeySuccess {
        customerApiKey { apiKey onboarding { id sendzenApiKeyPreview } }
      }
    }
  }
`);

// ---------------------------------------------------------------------------------------------
// Event endpoints (signed event POSTs to the vendor's backend)
// ---------------------------------------------------------------------------------------------

export interface EventEndpointView {
  id: string;
  url: string;
  onboarding: { id: string } | null;
  description: string | null;
  secretPreview: string;
  createdAt: string;
  disabledAt: string | null;
}

export type EventDeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface EventDeliveryView {
  id: string;
  endpointId: string;
  onboarding: { id: string } | null;
  eventId: string;
  eventType: string;
  body: string;
  status: EventDeliveryStatus;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  createdAt: string;
  deliveredAt: string | null;
  attempts: {
    at: string;
    statusCode: number | null;
    responseExcerpt: string | null;
    error: string | null;
    durationMs: number;
  }[];
}

fragment(/* GraphQL */ `
  fragment EventEndpointView on EventEndpoint {
    id url onboarding { id } description secretPreview createdAt disabledAt
  }
`);

fragment(/* GraphQL */ `
  fragment EventDeliveryView on EventDelivery {
    id endpointId onboarding { id } eventId eventType body status nextAttemptAt lastStatusCode
    createdAt deliveredAt
    attempts { at statusCode responseExcerpt error durationMs }
  }
`);

export const CreateEventEndpoint = operation<{
  createEventEndpoint: Outcome<{ created: { endpoint: EventEndpointView; secret: string } }>;
}>(/* GraphQL */ `
  mutation CreateEventEndpoint($input: CreateEventEndpointInput!) {
    createEventEndpoint(input: $input) {
      __typename ...Problem
      ... on CreateEventEndpointSuccess { created { endpoint { ...EventEndpointView } secret } }
    }
  }
`);

export const ListEventEndpoints = operation<{ eventEndpoints: EventEndpointView[] }>(
  /* GraphQL */ `
    query ListEventEndpoints {
      eventEndpoints { ...EventEndpointView }
    }
  `,
);

export const DeleteEventEndpoint = operation<{
  deleteEventEndpoint: Outcome<{ endpoint: EventEndpointView }>;
}>(/* GraphQL */ `
  mutation DeleteEventEndpoint($id: ID!) {
    deleteEventEndpoint(id: $id) {
      __typename ...Problem
      ... on DeleteEventEndpointSuccess { endpoint { ...EventEndpointView } }
    }
  }
`);

export const ListEventDeliveries = operation<{
  eventDeliveries: {
    edges: { cursor: string; node: EventDeliveryView }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}>(/* GraphQL */ `
  query ListEventDeliveries(
    $first: Int, $after: String, $endpointId: ID, $onboardingId: ID, $status: EventDeliveryStatus
  ) {
    eventDeliveries(
      first: $first, after: $after, endpointId: $endpointId, onboardingId: $onboardingId,
      status: $status
    ) {
      edges { cursor node { ...EventDeliveryView } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const ReplayEventDelivery = operation<{
  replayEventDelivery: Outcome<{ delivery: EventDeliveryView }>;
}>(/* GraphQL */ `
  mutation ReplayEventDelivery($id: ID!) {
    replayEventDelivery(id: $id) {
      __typename ...Problem
      ... on ReplayEventDeliverySuccess { delivery { ...EventDeliveryView } }
    }
  }
`);

// ---------------------------------------------------------------------------------------------
// Subscriptions
// ---------------------------------------------------------------------------------------------

/** The onboarding now, then again after every change: what the suites wait on. */
export const WatchOnboarding = operation<{ onboardingUpdated: OnboardingView }>(/* GraphQL */ `
  subscription WatchOnboarding($id: ID!) { onboardingUpdated(id: $id) { ...OnboardingView } }
`);

export const WatchOnboardings = operation<{ onboardingsUpdated: OnboardingView }>(/* GraphQL */ `
  subscription WatchOnboardings($status: [OnboardingStatus!]) {
    onboardingsUpdated(status: $status) { ...OnboardingView }
  }
`);

// ---------------------------------------------------------------------------------------------
// Every field of an onboarding, built from schema.graphql: a field added later is read too (the
// canary looks for secrets in everything GraphQL can answer)
// ---------------------------------------------------------------------------------------------

const printed = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

function everyField(type: GraphQLNamedType, depth = 0, within: string[] = []): string {
  if (!isObjectType(type) || depth > 5) return '';
  const fields = Object.values(type.getFields()) as GraphQLField<unknown, unknown>[];
  const path = [...within, type.name];
  return `{ ${fields
    .map((field) => {
      const named = getNamedType(field.type);
      // A type inside itself (an onboarding's previous attempts) answers the fields already read.
      if (path.includes(named.name)) return '';
      if (field.name === 'events')
        return `events(first: 200) ${everyField(named, depth + 1, path)}`;
      if (field.args.some((a) => a.type.toString().endsWith('!'))) return '';
      if (isScalarType(named) || isEnumType(named)) return field.name;
      const inner = everyField(named, depth + 1, path);
      return inner ? `${field.name} ${inner}` : '';
    })
    .filter(Boolean)
    .join(' ')} }`;
}

/**
 * Written out in each operation, not spread as a fragment: a spread costs armor another level, and
 * these are already the heaviest documents the suites send (the reveal ~45,000 of 50,000).
 */
const EVERY_ONBOARDING_FIELD = everyField(printed.getType('Onboarding')!);

/** The part of every field the canary checks: previews, has-flags, ids and state. */
export interface EveryField {
  id: string;
  status: OnboardingStatus;
  subprojectId: string | null;
  hasSendzenApiKey: boolean;
  sendzenApiKeyPreview: string | null;
  sender: { id: string; hasBearerToken: boolean; bearerTokenPreview: string | null } | null;
  steps: { name: StepName; status: StepStatus }[];
}

export const OnboardCustomerEveryField = operation<{
  onboardCustomer: { created: boolean; sessionToken: string; onboarding: EveryField };
}>(/* GraphQL */ `
  mutation OnboardCustomerEveryField($input: OnboardCustomerInput!) {
    onboardCustomer(input: $input) {
      created sessionToken sessionExpiresAt onboarding ${EVERY_ONBOARDING_FIELD}
    }
  }
`);

export const ReadOnboardingEveryField = operation<{ onboarding: EveryField | null }>(
  /* GraphQL */ `
    query ReadOnboardingEveryField($id: ID!) { onboarding(id: $id) ${EVERY_ONBOARDING_FIELD} }
  `,
);

/**
 * Armor refuses this one (a cost of ~3,000,000: 100 onboardings with 200 events each), and always
 * has: the canary keeps the refusal among the answers it scans.
 */
export const ListOnboardingsEveryField = operation<{
  onboardings: { edges: { cursor: string; node: EveryField }[] };
}>(/* GraphQL */ `
  query ListOnboardingsEveryField {
    onboardings(first: 100) { edges { cursor node ${EVERY_ONBOARDING_FIELD} } }
  }
`);

export const ReadNodeEveryField = operation<{ node: EveryField | null }>(/* GraphQL */ `
  query ReadNodeEveryField($id: ID!) { node(id: $id) { id ... on Onboarding ${EVERY_ONBOARDING_FIELD} } }
`);

export const WatchOnboardingEveryField = operation<{ onboardingUpdated: EveryField }>(
  /* GraphQL */ `
    subscription WatchOnboardingEveryField($id: ID!) {
      onboardingUpdated(id: $id) ${EVERY_ONBOARDING_FIELD}
    }
  `,
);

export const WatchOnboardingsEveryField = operation<{ onboardingsUpdated: EveryField }>(
  /* GraphQL */ `
    subscription WatchOnboardingsEveryField { onboardingsUpdated ${EVERY_ONBOARDING_FIELD} }
  `,
);

export const RelaySignupResultEveryField = operation<{
  relaySignupResult: Outcome<{ onboarding: EveryField }>;
}>(/* GraphQL */ `
  mutation RelaySignupResultEveryField($input: RelaySignupResultInput!) {
    relaySignupResult(input: $input) {
      __typename
      ... on Error { message }
      ... on InvalidInput { field }
      ... on RelaySignupResultSuccess { onboarding ${EVERY_ONBOARDING_FIELD} }
    }
  }
`);

export const RevealSendzenApiKeyEveryField = operation<{
  revealSendzenApiKey: Outcome<{ customerApiKey: { apiKey: string; onboarding: EveryField } }>;
}>(/* GraphQL */ `
  mutation RevealSendzenApiKeyEveryField($id: ID!) {
    revealSendzenApiKey(onboardingId: $id) {
      __typename
      ... on Error { message }
      ... on RevealSendzenApiKeySuccess {
        customerApiKey { apiKey onboarding ${EVERY_ONBOARDING_FIELD} }
      }
    }
  }
`);
