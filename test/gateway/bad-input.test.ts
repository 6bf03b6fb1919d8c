// What a client that sends a request that is not GraphQL at all gets back from the HTTP route: a
// conformant 400 (or 405) that never quotes the body back, shows a stack trace or an internal
// message, and runs nothing. What GraphQL answers to bad input is test/in-process/bad-input.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphQLResponse, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { ListOnboardings } from '../support/operations.ts';
import { expectNothingInternal } from '../support/refusals.ts';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.gateway.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: t.admin,
      ...headers,
    },
    body,
  });
  const text = await res.text();
  expectNothingInternal(text);
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: JSON.parse(text) as GraphQLResponse['body'],
  };
}

describe('requests that are not valid GraphQL over HTTP', () => {
  it('a syntax error is a 400 with GRAPHQL_PARSE_FAILED', async () => {
    const res = await post(
      JSON.stringify({ query: '{ onboardings(first: 2 { edges { cursor } } }' }),
    );
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/^application\/graphql-response\+json/);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors![0]!.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(res.body.errors![0]!.message).toMatch(/^Syntax Error/);
  });

  it('a request with no query is a 400', async () => {
    const res = await post(JSON.stringify({ variables: {} }));
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/^application\/graphql-response\+json/);
    expect(res.body.errors![0]!.message).toMatch(/query/i);
  });

  it('an operation name the document does not contain is a 400', async () => {
    const res = await post(
      JSON.stringify({ query: 'query A { onboardings { edges { cursor } } }', operationName: 'B' }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.message).toMatch(/operation/);
  });

  it('a field the schema does not have is a 400 with GRAPHQL_VALIDATION_FAILED', async () => {
    const res = await post(
      JSON.stringify({ query: '{ onboardings { edges { node { password } } } }' }),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('a body that is not JSON is a 400 that does not quote the body back', async () => {
    const res = await post('{"query": "sk_live_would_be_echoed" ');
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions?.code).toBe('BAD_REQUEST');
    expect(res.body.errors![0]!.extensions?.originalError).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toContain('sk_live_would_be_echoed');
  });

  // GraphQL over HTTP: a body that is not a well-formed request is a 400 for every client. Yoga
  // answered an `application/json` client (and one that names no type, which it treats as one)
  // 200 with the same errors.
  describe.each([
    ['application/json', 'application/json'],
    ['application/graphql-response+json', 'application/graphql-response+json'],
    ['no accept header', undefined],
  ])('accepting %s', (_, accept) => {
    const send = async (body?: string) => {
      const res = await fetch(`${t.gateway.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: t.admin,
          ...(accept ? { accept } : {}),
        },
        body,
      });
      const text = await res.text();
      expectNothingInternal(text);
      return {
        status: res.status,
        contentType: res.headers.get('content-type'),
        body: JSON.parse(text) as GraphQLResponse['body'],
      };
    };

    it.each([
      ['a body that is not JSON', '{"query": "{ __typename }"'],
      ['a body that is not JSON at all', 'query { __typename }'],
      ['an empty body', ''],
      ['no body at all (Content-Length: 0)', undefined],
    ])('%s is a 400 with a GraphQL error and no data', async (_, body) => {
      const res = await send(body);
      expect(res.status).toBe(400);
      expect(res.contentType).toMatch(/^application\/(graphql-response\+)?json/);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toEqual([
        expect.objectContaining({
          message: 'POST body sent invalid JSON.',
          extensions: { code: 'BAD_REQUEST' },
        }),
      ]);
    });

    it('a well-formed request still answers 200', async () => {
      const res = await send(JSON.stringify({ query: '{ __typename }' }));
      expect(res).toMatchObject({ status: 200, body: { data: { __typename: 'Query' } } });
    });
  });

  it('a mutation over GET is refused with 405 and Allow: POST, and does nothing', async () => {
    const query = 'mutation { onboardCustomer(input: {clientIdentifier: "via-get"}) { created } }';
    const res = await fetch(`${t.gateway.url}/graphql?query=${encodeURIComponent(query)}`, {
      // A GET needs the CSRF header; it is the method, not the header, that this test is about.
      headers: {
        accept: 'application/graphql-response+json',
        authorization: t.admin,
        'x-graphql-yoga-csrf': '1',
      },
    });
    expectNothingInternal(await res.text());
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    const search = await t.gql(ListOnboardings, { search: 'via-get' });
    expectNothingInternal(JSON.stringify(search.body));
    expect(search.body.data!.onboardings.edges).toHaveLength(0);
  });
});
