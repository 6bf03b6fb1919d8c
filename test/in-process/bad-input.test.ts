// What a client that sends something wrong gets back from GraphQL: a BAD_USER_INPUT error that
// names the field, a GraphQL validation error for what the schema itself rules out, and a typed
// OnboardingNotFound for an id that names nothing. Never a stack trace, an internal message, or a
// half-made onboarding. In process: these are answers of the schema and its resolvers; what the
// HTTP route does with a request that is not GraphQL at all is test/gateway/bad-input.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLResponse } from '../support/gateway.ts';
import { type InProcessGateway, startInProcessGateway } from '../support/in-process.ts';
import {
  CancelOnboarding,
  CreateConversationApp,
  CreateSender,
  type Document,
  ListOnboardings,
  LookUpOnboarding,
  OnboardCustomer,
  OnboardCustomerEveryField,
  type Outcome,
  ReadNode,
  ReadOnboarding,
  RefreshOnboardingLink,
  RelaySignupResult,
  RetryOnboarding,
  SendTestMessage,
} from '../support/operations.ts';
import { expectNothingInternal } from '../support/refusals.ts';

let t: InProcessGateway;

beforeAll(async () => {
  t = await startInProcessGateway();
});
afterAll(() => t.close());

async function gql<T = Record<string, unknown>>(
  document: Document<T>,
  variables?: Record<string, unknown>,
) {
  const res = await t.gql<T>(document, variables);
  expectNothingInternal(JSON.stringify(res.body));
  return res;
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

async function onboardingCount(): Promise<number> {
  const res = await gql(ListOnboardings, { first: 100 });
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
      const error = badUserInput(await gql(OnboardCustomer, { input }), path);
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

    const variable = await gql(OnboardCustomer, {
      input: { clientIdentifier: 'bad-region', region: 'MARS' },
    });
    expect(variable.status).toBe(400);
    expect(variable.body.data).toBeUndefined();
    expect(variable.body.errors![0]!.message).toMatch(/input\.region/);
    expect(variable.body.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await onboardingCount()).toBe(before);
  });
});

// Each class of character that is invisible, ends a line, or reorders what is shown around it: a
// representative of each, and the bounds of every range.
const FORBIDDEN_CHARACTERS: [string, string][] = [
  ['NUL (U+0000)', '\u0000'],
  ['LF (U+000A)', '\n'],
  ['CR (U+000D)', '\r'],
  ['ESC (U+001B)', '\u001b'],
  ['U+001F', '\u001f'],
  ['DEL (U+007F)', '\u007f'],
  ['C1 U+0080', '\u0080'],
  ['C1 CSI (U+009B)', '\u009b'],
  ['C1 U+009F', '\u009f'],
  ['LEFT-TO-RIGHT EMBEDDING (U+202A)', '\u202a'],
  ['RIGHT-TO-LEFT OVERRIDE (U+202E)', '\u202e'],
  ['LEFT-TO-RIGHT ISOLATE (U+2066)', '\u2066'],
  ['POP DIRECTIONAL ISOLATE (U+2069)', '\u2069'],
];

/** Where each text field of onboardCustomer sits in its input, and the path its error names. */
const ONBOARD_TEXT_FIELDS: [string, (text: string) => Record<string, unknown>][] = [
  ['input.clientIdentifier', (text) => ({ clientIdentifier: `acme${text}42` })],
  ['input.displayName', (text) => ({ clientIdentifier: 'ctl-name', displayName: `Acme${text}` })],
  [
    'input.labels.0.key',
    (text) => ({ clientIdentifier: 'ctl-key', labels: [{ key: `team${text}`, value: 'a' }] }),
  ],
  [
    'input.labels.0.value',
    (text) => ({ clientIdentifier: 'ctl-value', labels: [{ key: 'team', value: `a${text}b` }] }),
  ],
];

describe('control characters and bidirectional overrides in text fields', () => {
  const cases = ONBOARD_TEXT_FIELDS.flatMap(([path, input]) =>
    FORBIDDEN_CHARACTERS.map(([name, char]) => [path, name, input(char)] as const),
  );

  it.each(cases)(
    'onboardCustomer refuses %s with %s, naming the field, and creates nothing',
    async (path, _, input) => {
      const before = await onboardingCount();
      const journalBefore = (await t.sandbox.journal('sendzen')).length;
      const error = badUserInput(await gql(OnboardCustomer, { input }), path);
      expect(error.message).toMatch(/control characters or bidirectional/);
      expect(await onboardingCount()).toBe(before);
      expect((await t.sandbox.journal('sendzen')).length).toBe(journalBefore);
    },
  );

  it('ordinary Unicode is accepted: accents, emoji, CJK, Arabic and Hebrew', async () => {
    const names = {
      'café-zoë-ñandú': 'Crème Brûlée & Co',
      'emoji-🍞-42': 'Bakery 🥐🇫🇷',
      '顧客-東京-7': '東京ベーカリー',
      'عميل-٤٢': 'مخبز الأمل',
      'לקוח-42': 'מאפיית השחר',
    };
    for (const [clientIdentifier, displayName] of Object.entries(names)) {
      const res = await gql(OnboardCustomerEveryField, {
        input: { clientIdentifier, displayName, labels: [{ key: 'city', value: displayName }] },
      });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.onboardCustomer.onboarding).toMatchObject({
        clientIdentifier,
        displayName,
        labels: [{ key: 'city', value: displayName }],
      });
    }
  });

  it('relaySignupResult refuses them in its free-text ids, and the signup stays open', async () => {
    const created = await gql(OnboardCustomer, { input: { clientIdentifier: 'relay-ctl' } });
    const onboardingId = created.body.data!.onboardCustomer.onboarding.id;
    for (const field of ['clientIdentifier', 'projectId', 'code']) {
      for (const [name, char] of FORBIDDEN_CHARACTERS) {
        const res = await gql(RelaySignupResult, {
          input: { onboardingId, status: 'FAILED', [field]: `id${char}1` },
        });
        const error = badUserInput(res, `input.${field}`);
        expect({ field, name, message: error.message }).toMatchObject({
          message: expect.stringMatching(/control characters or bidirectional/),
        });
      }
    }
    const after = await gql(ReadOnboarding, { id: onboardingId });
    expect(after.body.data!.onboarding).toMatchObject({ status: 'AWAITING_SIGNUP', signup: null });
  });

  it('a search for a client identifier refuses them too', async () => {
    for (const [, char] of FORBIDDEN_CHARACTERS) {
      badUserInput(await gql(ListOnboardings, { search: `acme${char}` }), 'search');
    }
  });
});

describe('relaySignupResult with bad input', () => {
  let onboardingId: string;
  beforeAll(async () => {
    const res = await gql(OnboardCustomer, { input: { clientIdentifier: 'relay-bad-input' } });
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
      const error = badUserInput(
        await gql(RelaySignupResult, { input: { onboardingId, ...input } }),
        path,
      );
      expect(error.message).toMatch(says);
      const after = await gql(ReadOnboarding, { id: onboardingId });
      expect(after.body.data!.onboarding).toMatchObject({
        status: 'AWAITING_SIGNUP',
        signup: null,
      });
    },
  );

  it('refuses a signup status that does not exist with a 400', async () => {
    const res = await gql(RelaySignupResult, { input: { onboardingId, status: 'DONE' } });
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
    const created = await gql(OnboardCustomer, { input: { clientIdentifier: 'events-bad-args' } });
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
    for (const [mutation, document] of Object.entries({
      createSender: CreateSender,
      createConversationApp: CreateConversationApp,
      retryOnboarding: RetryOnboarding,
      cancelOnboarding: CancelOnboarding,
      refreshOnboardingLink: RefreshOnboardingLink,
    })) {
      const res = await gql<Record<string, Outcome<unknown>>>(document, { id });
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect({ mutation, ...res.body.data![mutation] }).toEqual({
        mutation,
        __typename: 'OnboardingNotFound',
        message: 'No onboarding with this id',
      });
    }
    const relay = await gql(RelaySignupResult, {
      input: { onboardingId: id, status: 'FAILED' },
    });
    expect(relay.body.data!.relaySignupResult.__typename).toBe('OnboardingNotFound');
    const send = await gql(SendTestMessage, { id, to: '+46701234567', text: 'Hello' });
    expect(send.body.data!.sendTestMessage.__typename).toBe('OnboardingNotFound');
  });

  it('the onboarding query answers null, without an error', async () => {
    for (const id of [missingGlobalId, '01J0000000000000000000NONE', 'not-an-id']) {
      const res = await gql(LookUpOnboarding, { id });
      expect(res.body).toEqual({ data: { onboarding: null } });
    }
    const node = await gql(ReadNode, { id: missingGlobalId });
    expect(node.body).toEqual({ data: { node: null } });
  });

  it('a required argument left out is a GraphQL validation error (400)', async () => {
    const res = await gql('mutation { createSender { __typename } }');
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors![0]!.message).toMatch(/onboardingId/);
  });
});
