// What a client that sends something wrong gets back: a BAD_USER_INPUT GraphQL error that names the
// field, a GraphQL validation error for what the schema itself rules out, a typed OnboardingNotFound
// for an id that names nothing, and a conformant 400 for a request that is not GraphQL at all.
// Never a stack trace, an internal message, or a half-made onboarding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphQLResponse, startTestGateway, type TestGateway } from '../support/gateway.ts';

let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());

async function gql<T = Record<string, unknown>>(
  query: string,
  variables?: Record<string, unknown>,
) {
  const res = await t.gql<T>(query, variables);
  expectNothingInternal(JSON.stringify(res.body));
  return res;
}

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

/**
 * Every answer in this file goes through here: a refused request never shows a stack frame, a
 * source location, an internal error's name, or an unexpected failure that had to be masked.
 */
function expectNothingInternal(text: string) {
  expect(text).not.toMatch(/\bat [\w.<>]+ \(|\bat (file:|node:|\/)/);
  expect(text).not.toMatch(/\.(ts|js|mjs):\d+/);
  expect(text).not.toMatch(/(?<!Syntax )\b\w*Error:/);
  expect(text).not.toMatch(/Unexpected error\.|INTERNAL_SERVER_ERROR/);
  expect(text).not.toMatch(/sqlite/i);
}

/** The single BAD_USER_INPUT error of a response, with the field path it names. */
function badUserInput(res: GraphQLResponse, path: string) {
  expect(res.status).toBe(200);
  expect(res.body.errors).toHaveLength(1);
  const [error] = res.body.errors!;
  expect(error!.extensions?.code).toBe('BAD_USER_INPUT');
  expect(error!.message.startsWith(`${path}: `)).toBe(true);
  expect(error!.extensions?.issues).toEqual(
    expect.arrayContaining([expect.objectContaining({ path })]),
  );
  return error!;
}

const ONBOARD = /* GraphQL */ `
  mutation Onboard($input: OnboardCustomerInput!) {
    onboardCustomer(input: $input) { created onboarding { id status } }
  }
`;

const RELAY = /* GraphQL */ `
  mutation Relay($input: RelaySignupResultInput!) {
    relaySignupResult(input: $input) {
      __typename
      ... on Error { message }
      ... on RelaySignupResultSuccess { onboarding { id status signup { status } } }
    }
  }
`;

async function onboardingCount(): Promise<number> {
  const res = await gql<{ onboardings: { edges: unknown[] } }>(
    '{ onboardings(first: 100) { edges { cursor } } }',
  );
  return res.body.data!.onboardings.edges.length;
}

describe('onboardCustomer with bad input', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    [
      'an empty client identifier',
      { clientIdentifier: '' },
      'input.clientIdentifier',
      /must not be empty/,
    ],
    [
      'a blank client identifier',
      { clientIdentifier: '   ' },
      'input.clientIdentifier',
      /must not be empty/,
    ],
    [
      'a client identifier over 255 characters',
      { clientIdentifier: 'c'.repeat(256) },
      'input.clientIdentifier',
      /255/,
    ],
    [
      'a display name over 255 characters',
      { clientIdentifier: 'bad-name', displayName: 'n'.repeat(256) },
      'input.displayName',
      /255/,
    ],
    [
      'a label key with spaces',
      { clientIdentifier: 'bad-label', labels: [{ key: 'cost center', value: 'x' }] },
      'input.labels.0.key',
      /letters, digits/,
    ],
    [
      'the same label key twice',
      {
        clientIdentifier: 'dup-label',
        labels: [
          { key: 'team', value: 'a' },
          { key: 'team', value: 'b' },
        ],
      },
      'input.labels',
      /unique/,
    ],
    [
      'the label the gateway reserves for itself',
      {
        clientIdentifier: 'reserved-label',
        labels: [{ key: 'gateway-onboarding-id', value: 'x' }],
      },
      'input.labels',
      /reserved/,
    ],
  ];

  it.each(cases)(
    'refuses %s with BAD_USER_INPUT naming the field, and creates nothing',
    async (_, input, path, says) => {
      const before = await onboardingCount();
      const journalBefore = (await t.sandbox.journal('sendzen')).length;
      const error = badUserInput(await gql(ONBOARD, { input }), path);
      expect(error.message).toMatch(says);
      expect(error.path).toEqual(['onboardCustomer']);
      expect(await onboardingCount()).toBe(before);
      // No SendZen project was asked for.
      expect((await t.sandbox.journal('sendzen')).length).toBe(journalBefore);
    },
  );

  it('refuses a region that does not exist: a validation error inline, BAD_USER_INPUT as a variable (400)', async () => {
    const before = await onboardingCount();
    const inline = await gql(
      `mutation { onboardCustomer(input: {clientIdentifier: "bad-region", region: MARS}) { created } }`,
    );
    expect(inline.status).toBe(400);
    expect(inline.body.data).toBeUndefined();
    expect(inline.body.errors![0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(inline.body.errors![0]!.message).toMatch(/"MARS" does not exist in "Region" enum/);

    const variable = await gql(ONBOARD, {
      input: { clientIdentifier: 'bad-region', region: 'MARS' },
    });
    expect(variable.status).toBe(400);
    expect(variable.body.data).toBeUndefined();
    expect(variable.body.errors![0]!.message).toMatch(/input\.region/);
    expect(variable.body.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await onboardingCount()).toBe(before);
  });
});

describe('relaySignupResult with bad input', () => {
  let onboardingId: string;
  beforeAll(async () => {
    const res = await gql<{ onboardCustomer: { onboarding: { id: string } } }>(ONBOARD, {
      input: { clientIdentifier: 'relay-bad-input' },
    });
    onboardingId = res.body.data!.onboardCustomer.onboarding.id;
  });

  it.each([
    [
      'COMPLETED without a WABA id',
      { status: 'COMPLETED', phoneNumberId: '106540352242922' },
      'input.wabaId',
      /required when status is COMPLETED/,
    ],
    [
      'COMPLETED without a phone number id',
      { status: 'COMPLETED', wabaId: '524126980791429' },
      'input.phoneNumberId',
      /required when status is COMPLETED/,
    ],
    [
      'a WABA id that is not numeric',
      { status: 'COMPLETED', wabaId: 'waba-1', phoneNumberId: '106540352242922' },
      'input.wabaId',
      /numeric/,
    ],
    [
      'a phone number id that is not numeric',
      { status: 'COMPLETED', wabaId: '524126980791429', phoneNumberId: '+4915112345678' },
      'input.phoneNumberId',
      /numeric/,
    ],
    [
      'a message over 2000 characters',
      { status: 'FAILED', message: 'm'.repeat(2001) },
      'input.message',
      /2000/,
    ],
  ] as const)(
    'refuses %s with BAD_USER_INPUT, and the signup stays open',
    async (_, input, path, says) => {
      const error = badUserInput(await gql(RELAY, { input: { onboardingId, ...input } }), path);
      expect(error.message).toMatch(says);
      const after = await gql<{ onboarding: { status: string; signup: unknown } }>(
        'query($id: ID!) { onboarding(id: $id) { status signup { status } } }',
        { id: onboardingId },
      );
      expect(after.body.data!.onboarding).toEqual({ status: 'AWAITING_SIGNUP', signup: null });
    },
  );

  it('refuses a signup status that does not exist with a 400', async () => {
    const res = await gql(RELAY, { input: { onboardingId, status: 'DONE' } });
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.message).toMatch(/input\.status/);
  });
});

describe('list arguments out of range', () => {
  it.each([
    [
      'onboardings(first: 1000)',
      '{ onboardings(first: 1000) { edges { cursor } } }',
      ['onboardings'],
      'first',
      /100/,
    ],
    [
      'onboardings(first: 0)',
      '{ onboardings(first: 0) { edges { cursor } } }',
      ['onboardings'],
      'first',
      /1/,
    ],
    [
      'a search over 255 characters',
      `{ onboardings(search: "${'s'.repeat(256)}") { edges { cursor } } }`,
      ['onboardings'],
      'search',
      /255/,
    ],
    [
      'a made-up cursor',
      '{ onboardings(after: "page-2") { edges { cursor } } }',
      ['onboardings'],
      'after',
      /cursor/,
    ],
    [
      'paging backwards with last',
      '{ onboardings(last: 2) { edges { cursor } } }',
      ['onboardings'],
      'last',
      /not supported/,
    ],
    [
      'paging backwards with before',
      '{ onboardings(before: "01M7YWRZETB0FMTPKM9XFJ5KY7") { edges { cursor } } }',
      ['onboardings'],
      'before',
      /not supported/,
    ],
  ] as const)('refuses %s with BAD_USER_INPUT', async (_, query, errorPath, path, says) => {
    const error = badUserInput(await gql(query), path);
    expect(error.message).toMatch(says);
    expect(error.path).toEqual(errorPath);
  });

  it('refuses a negative page size or a made-up cursor on an onboarding’s events', async () => {
    const created = await gql<{ onboardCustomer: { onboarding: { id: string } } }>(ONBOARD, {
      input: { clientIdentifier: 'events-bad-args' },
    });
    const id = created.body.data!.onboardCustomer.onboarding.id;
    const events = (args: string) =>
      gql(`query($id: ID!) { onboarding(id: $id) { events(${args}) { edges { cursor } } } }`, {
        id,
      });

    expect(badUserInput(await events('first: -1'), 'first').path).toEqual(['onboarding', 'events']);
    badUserInput(await events('after: "yesterday"'), 'after');
    badUserInput(await events('last: 3'), 'last');
    // A good request on the same onboarding works.
    const ok = await events('first: 1');
    expect(ok.body.errors).toBeUndefined();
  });
});

describe('ids that name no onboarding', () => {
  const missingGlobalId = Buffer.from('Onboarding:01J0000000000000000000NONE').toString('base64');

  it.each([
    ['a well-formed global id of no onboarding', missingGlobalId],
    ['a bare id of no onboarding', '01J0000000000000000000NONE'],
    ['an empty id', ''],
  ])('every mutation answers OnboardingNotFound for %s', async (_, id) => {
    for (const mutation of [
      'createSender',
      'createConversationApp',
      'retryOnboarding',
      'cancelOnboarding',
      'refreshOnboardingLink',
    ]) {
      const res = await gql<Record<string, { __typename: string; message: string }>>(
        `mutation($id: ID!) { ${mutation}(onboardingId: $id) { __typename ... on Error { message } } }`,
        { id },
      );
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect({ mutation, ...res.body.data![mutation] }).toEqual({
        mutation,
        __typename: 'OnboardingNotFound',
        message: 'No onboarding with this id',
      });
    }
    const relay = await gql<{ relaySignupResult: { __typename: string } }>(RELAY, {
      input: { onboardingId: id, status: 'FAILED' },
    });
    expect(relay.body.data!.relaySignupResult.__typename).toBe('OnboardingNotFound');
  });

  it('the onboarding query answers null, without an error', async () => {
    for (const id of [missingGlobalId, '01J0000000000000000000NONE', 'not-an-id']) {
      const res = await gql('query($id: ID!) { onboarding(id: $id) { id } }', { id });
      expect(res.body).toEqual({ data: { onboarding: null } });
    }
    const node = await gql('query($id: ID!) { node(id: $id) { id } }', { id: missingGlobalId });
    expect(node.body).toEqual({ data: { node: null } });
  });

  it('a required argument left out is a GraphQL validation error (400)', async () => {
    const res = await gql('mutation { createSender { __typename } }');
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors![0]!.message).toMatch(/onboardingId/);
  });
});

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
    const search = await gql<{ onboardings: { edges: unknown[] } }>(
      '{ onboardings(search: "via-get") { edges { cursor } } }',
    );
    expect(search.body.data!.onboardings.edges).toHaveLength(0);
  });
});
