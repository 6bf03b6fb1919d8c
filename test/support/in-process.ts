// GraphQL in process: each request goes straight to the gateway's yoga (`yoga.fetch`), with no
// socket between the test and the gateway, and is authenticated as the HTTP route authenticates
// it (src/server.ts resolves the caller from the Authorization header in yoga's context). For what
// the schema and the resolvers answer; what the transport does (the route's own status codes, SSE
// and graphql-ws on a socket, webhooks) stays with the suites in test/gateway/.
//
// The gateway still runs whole: its step runner calls the bundled fake over HTTP, so a test can
// walk an onboarding to READY here too, and wait on its subscription (SSE, in process).
import type { Gateway } from '../../src/gateway.ts';
import {
  type Endpoint,
  graphql,
  readOnboarding,
  startTestGateway,
  subscribeSse,
  type TestGateway,
  waitForOnboarding,
} from './gateway.ts';

/** Requests to this gateway's /graphql, answered by its yoga in this process. */
export function inProcess(gateway: Gateway): Endpoint {
  return async (init) => gateway.http.yoga.fetch('http://gateway.in-process/graphql', init);
}

/** The same helpers as the socket tier's, answered in this process. */
export type InProcessGateway = Pick<
  TestGateway,
  | 'gateway'
  | 'sandbox'
  | 'admin'
  | 'keyWith'
  | 'close'
  | 'gql'
  | 'sse'
  | 'onboarding'
  | 'waitForOnboarding'
>;

export async function startInProcessGateway(
  options: Parameters<typeof startTestGateway>[0] = {},
): Promise<InProcessGateway> {
  const t = await startTestGateway(options);
  const endpoint = inProcess(t.gateway);
  const headers = (authorization: string | null | undefined): Record<string, string> =>
    authorization === null ? {} : { authorization: authorization ?? t.admin };
  return {
    gateway: t.gateway,
    sandbox: t.sandbox,
    admin: t.admin,
    keyWith: t.keyWith,
    close: t.close,
    gql: (document, variables, authorization) =>
      graphql(endpoint, document, variables, headers(authorization)),
    sse: (document, variables, authorization) =>
      subscribeSse(endpoint, document, variables, headers(authorization)),
    onboarding: (id) => readOnboarding(endpoint, headers(undefined), id),
    waitForOnboarding: (id, done, timeoutMs) =>
      waitForOnboarding(endpoint, headers(undefined), id, done, timeoutMs),
  };
}
