// How the demo's backend talks to the gateway: over HTTP with its API key, exactly as a partner's
// backend would. The GraphQL operations it sends, a small client, and a reader for the gateway's
// GraphQL-over-SSE stream.

/**
 * What the page needs to embed the iframe, or launch Meta's Embedded Signup with the gateway's
 * Meta app (never one the browser picks), and talk to the gateway as the customer's browser.
 */
export const SESSION_FIELDS = /* GraphQL */ `
  fragment DemoOnboarding on Onboarding {
    id status version signupPath iframeUrl iframeUrlExpiresAt
    metaSignupLaunch { sdkUrl appId configId solutionId graphApiVersion messageOrigins }
  }
`;

export const ONBOARD = /* GraphQL */ `
  mutation DemoOnboard($input: OnboardCustomerInput!) {
    onboardCustomer(input: $input) {
      created
      sessionToken
      sessionExpiresAt
      onboarding { ...DemoOnboarding }
    }
  }
  ${SESSION_FIELDS}
`;

/** Mutations in one document run in order: the session is issued after the first one is done. */
function thenSession(mutation: string, success: string): string {
  return /* GraphQL */ `
    mutation Demo($id: ID!) {
      result: ${mutation}(onboardingId: $id) {
        __typename
        ... on ${success} { onboarding { ...DemoOnboarding } }
        ... on Error { message }
      }
      session: issueOnboardingSession(onboardingId: $id) {
        __typename
        ... on IssueOnboardingSessionSuccess {
          session { token expiresAt onboarding { ...DemoOnboarding } }
        }
        ... on Error { message }
      }
    }
    ${SESSION_FIELDS}
  `;
}

export const RETRY = thenSession('retryOnboarding', 'RetryOnboardingSuccess');
export const REFRESH_LINK = thenSession('refreshOnboardingLink', 'RefreshOnboardingLinkSuccess');
/** Cancelling ends the onboarding's sessions too, so no session follows it. */
export const CANCEL = /* GraphQL */ `
  mutation DemoCancel($id: ID!) {
    result: cancelOnboarding(onboardingId: $id) {
      __typename
      ... on CancelOnboardingSuccess { onboarding { ...DemoOnboarding cancelledAt } }
      ... on Error { message }
    }
  }
  ${SESSION_FIELDS}
`;

export const SESSION = /* GraphQL */ `
  mutation DemoSession($id: ID!) {
    session: issueOnboardingSession(onboardingId: $id) {
      __typename
      ... on IssueOnboardingSessionSuccess {
        session { token expiresAt onboarding { ...DemoOnboarding } }
      }
      ... on Error { message }
    }
  }
  ${SESSION_FIELDS}
`;

/** A number Sinch refuses answers with Sinch's own code, which the page puts in plain words. */
export const ADD_NUMBER = /* GraphQL */ `
  mutation DemoAddNumber($id: ID!, $phoneNumberId: String!) {
    result: addPhoneNumber(onboardingId: $id, phoneNumberId: $phoneNumberId) {
      __typename
      ... on AddPhoneNumberSuccess { onboarding { ...DemoOnboarding } }
      ... on PhoneNumberUnavailable { code phoneNumberId }
      ... on Error { message }
    }
  }
  ${SESSION_FIELDS}
`;

/** A test message through the customer's app; the typed refusals carry what the page can say. */
export const SEND_MESSAGE = /* GraphQL */ `
  mutation DemoSendMessage($id: ID!, $to: String!, $text: String!) {
    result: sendTestMessage(onboardingId: $id, to: $to, text: $text) {
      __typename
      ... on SendTestMessageSuccess {
        onboarding {
          ...DemoOnboarding
          testMessages { id to text status sentAt deliveredAt failure { code reason } reply { text at } }
        }
      }
      ... on PreconditionFailed { step }
      ... on InvalidInput { field }
      ... on UpstreamFailure { upstream code retryable }
      ... on Error { message }
    }
  }
  ${SESSION_FIELDS}
`;

/** The summary the "all onboardings" panel shows. */
export const SUMMARY_FIELDS = /* GraphQL */ `
  fragment DemoSummary on Onboarding {
    id version clientIdentifier displayName region status createdAt updatedAt
    actionRequired { step upstream code message retryable }
  }
`;

export const LIST = /* GraphQL */ `
  query DemoList($first: Int!) {
    onboardings(first: $first) { edges { node { ...DemoSummary } } }
  }
  ${SUMMARY_FIELDS}
`;

export const FEED = /* GraphQL */ `
  subscription DemoFeed { onboardingsUpdated { ...DemoSummary } }
  ${SUMMARY_FIELDS}
`;

export interface MetaSignupLaunch {
  sdkUrl: string;
  appId: string;
  configId: string;
  solutionId: string | null;
  graphApiVersion: string;
  messageOrigins: string[];
}

export interface OnboardingFields {
  id: string;
  status: string;
  version: number;
  signupPath: string;
  iframeUrl: string | null;
  iframeUrlExpiresAt: string | null;
  metaSignupLaunch: MetaSignupLaunch | null;
}

export interface SentMessages {
  testMessages: {
    id: string;
    to: string;
    text: string;
    status: string;
    sentAt: string;
    deliveredAt: string | null;
    failure: { code: string | null; reason: string | null } | null;
    reply: { text: string; at: string } | null;
  }[];
}

export type UnionResult<K extends string, T> =
  | ({ __typename: string } & { [key in K]: T })
  | { __typename: string; message: string };

export interface SessionResult {
  token: string;
  expiresAt: string;
  onboarding: OnboardingFields;
}

/**
 * A failure the page can show: the HTTP status, a message a person can act on, and what the page
 * needs to say more (an upstream's code, say).
 */
export class DemoError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** The demo backend's GraphQL client: the API key goes in a header, to the gateway only. */
export function gatewayClient(options: { gatewayUrl: string; apiKey: string }) {
  const endpoint = new URL('/graphql', options.gatewayUrl).href;
  const headers = { authorization: `Bearer ${options.apiKey}` };

  async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
        },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new DemoError(502, `The gateway could not be reached: ${describe(error)}`);
    }
    const body = (await res.json().catch(() => ({}))) as GraphQLBody<T>;
    const first = body.errors?.[0];
    if (first) {
      const code = first.extensions?.code;
      throw new DemoError(code === 'BAD_USER_INPUT' ? 400 : 502, first.message);
    }
    if (!res.ok || !body.data) throw new DemoError(502, `The gateway answered ${res.status}`);
    return body.data;
  }

  /** Opens a GraphQL-over-SSE subscription; the caller reads and aborts it. */
  async function subscribe(
    query: string,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query }),
      signal,
    });
    if (!res.ok || !res.body) {
      throw new DemoError(502, `The gateway refused the subscription (${res.status})`);
    }
    return res.body;
  }

  return { gql, subscribe };
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Unwraps a mutation's result union: its success field, or the typed error's message. */
export function unwrap<K extends string, T>(result: UnionResult<K, T>, key: K): T {
  if ('message' in result) {
    throw new DemoError(result.__typename === 'OnboardingNotFound' ? 404 : 409, result.message);
  }
  return (result as { [key in K]: T })[key];
}

/** What every session-issuing route answers. */
export function sessionAnswer(session: SessionResult, extra: Record<string, unknown> = {}) {
  const { onboarding } = session;
  return {
    onboardingId: onboarding.id,
    status: onboarding.status,
    version: onboarding.version,
    signupPath: onboarding.signupPath,
    iframeUrl: onboarding.iframeUrl,
    iframeUrlExpiresAt: onboarding.iframeUrlExpiresAt,
    metaSignupLaunch: onboarding.metaSignupLaunch,
    sessionToken: session.token,
    sessionExpiresAt: session.expiresAt,
    ...extra,
    serverTime: new Date().toISOString(),
  };
}

/** Reads a server-sent events stream into its events (GraphQL over SSE: `next` and `complete`). */
export async function* sseEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ event: string; data: string }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of frame.split(/\r?\n/)) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length > 0) yield { event, data: data.join('\n') };
        end = buffer.indexOf('\n\n');
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
