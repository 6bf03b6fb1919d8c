// The GraphQL endpoint holds up against what a careless or hostile client sends: every armor limit
// (depth, aliases, tokens, cost) accepts a query at its bound and refuses one just past it, bodies
// are bounded and must declare their length, cross-site requests are refused, batches are refused,
// unexpected errors are masked (the log has the detail), and live mode serves no introspection, no
// field suggestions and no GraphiQL. In sandbox mode the sealing key file is readable by its owner
// only.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.ts';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import { GRAPHQL_LIMITS } from '../../src/server.ts';
import {
  authorization,
  freePort,
  killAllChildGateways,
  liveEnv,
  startChildGateway,
} from '../support/child-gateway.ts';
import { TEST_STORE, testStoreEnv } from '../support/databases.ts';
import type { Sandbox } from '../support/fake.ts';
import {
  type GraphQLResponse,
  graphql,
  startTestGateway,
  subscribeWs,
  type TestGateway,
} from '../support/gateway.ts';
import {
  CancelOnboarding,
  type Document,
  OnboardCustomer,
  RevealSendzenApiKey,
  WatchOnboardings,
} from '../support/operations.ts';
import { overwriteOnboardingColumn, tableRows } from '../support/rows.ts';

// ---------------------------------------------------------------------------------------------
// A sandbox-mode gateway whose log is kept
// ---------------------------------------------------------------------------------------------

let sandbox: Sandbox;
let gateway: Gateway;
let dir: string;
let admin: string;
const logLines: string[] = [];

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ log: { level: 'error', lines: logLines } });
  ({ sandbox, gateway, dir, admin } = t);
});
afterAll(async () => {
  await killAllChildGateways();
  await t?.close();
});

const gql = <T = Record<string, unknown>>(
  document: Document<T>,
  variables?: Record<string, unknown>,
) => graphql<T>(gateway.url, document, variables, { authorization: admin });

/** Where a field starts in a document, as GraphQL reports a location (1-based line, column). */
function locationOf(query: string, field: string): { line: number; column: number } {
  const before = query.slice(0, query.indexOf(field)).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** Refused before execution: one error with this message, and no data at all. */
/** Refused before execution, as GraphQL over HTTP says: a 400 with a code, and no data. */
function expectRefused(res: GraphQLResponse, message: string) {
  expect(res.status).toBe(400);
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors?.map((e) => e.message)).toEqual([message]);
  expect(res.body.errors?.[0]?.extensions?.code).toMatch(/^GRAPHQL_(VALIDATION|PARSE)_FAILED$/);
}

function expectAccepted(res: GraphQLResponse) {
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data).toBeDefined();
}

async function onboard(clientIdentifier: string): Promise<{ id: string; raw: string }> {
  const res = await gql(OnboardCustomer, { input: { clientIdentifier, autoProvision: false } });
  expect(res.body.errors).toBeUndefined();
  const { id } = res.body.data!.onboardCustomer.onboarding;
  return { id, raw: rawOnboardingId(id) };
}

// ---------------------------------------------------------------------------------------------
// Armor limits
// ---------------------------------------------------------------------------------------------

/**
 * A valid query exactly `depth` levels deep: __type(1) fields(2) type(3), then `ofType` down to
 * `name` at the last level. (Only `__schema` is exempt from the depth count, not `__type`.)
 */
function queryOfDepth(depth: number): string {
  const ofTypes = depth - 4;
  return `{ __type(name: "Query") { fields { type { ${'ofType { '.repeat(ofTypes)}name${' }'.repeat(ofTypes)} } } } }`;
}

/** `n` aliased fields: `__typename` aliases are exempt, so these alias a real field. */
function queryWithAliases(n: number): string {
  return `{ ${Array.from({ length: n }, (_, i) => `a${i}: onboardings(first: 1) { pageInfo { hasNextPage } }`).join(' ')} }`;
}

/**
 * A document of exactly `n` tokens, one cheap query: 18 tokens of structure around a status list
 * of n - 18 enum values. Comments are not tokens.
 */
function queryOfTokens(n: number): string {
  const statuses = Array.from({ length: n - 18 }, () => 'READY').join(' ');
  return `# ${'padding '.repeat(50)}\n{ onboardings(first: 1, status: [${statuses}]) { pageInfo { hasNextPage } } }`;
}

/**
 * armor's cost: a scalar costs 1, an object 2 plus 1.5 x its children, all times `first`. So
 * `onboarding { events(first: n) { edges { cursor } } }` costs 2 + 1.5 x (2 + 1.5 x 3.5) x n
 * = 2 + 10.875 n: n = 4597 costs 49,994.375, n = 4598 costs 50,005.25.
 */
function queryOfCost(first: number): string {
  return `query Q($id: ID!) { onboarding(id: $id) { events(first: ${first}) { edges { cursor } } } }`;
}

describe('armor limits', () => {
  it('accepts a query 12 levels deep and refuses one 13 levels deep', async () => {
    expect(GRAPHQL_LIMITS.maxDepth).toBe(12);
    expectAccepted(await gql(queryOfDepth(12)));
    expectRefused(
      await gql(queryOfDepth(13)),
      'Syntax Error: Query depth limit of 12 exceeded, found 13.',
    );
  });

  it('counts depth through fragments as well', async () => {
    // 13 levels, some of them inside a named fragment (the spread itself counts as one).
    const hidden = `
      query { __type(name: "Query") { ...Deep } }
      fragment Deep on __Type { fields { type { ${'ofType { '.repeat(7)}name${' }'.repeat(7)} } } }
    `;
    expectRefused(await gql(hidden), 'Syntax Error: Query depth limit of 12 exceeded, found 13.');
  });

  it('accepts 15 aliases and refuses 16', async () => {
    expect(GRAPHQL_LIMITS.maxAliases).toBe(15);
    const at = await gql(queryWithAliases(15));
    expectAccepted(at);
    expect(Object.keys(at.body.data!)).toHaveLength(15);
    expectRefused(
      await gql(queryWithAliases(16)),
      'Syntax Error: Aliases limit of 15 exceeded, found 16.',
    );
  });

  it('accepts a document of 2,000 tokens and refuses one of 2,001 with a 400', async () => {
    expect(GRAPHQL_LIMITS.maxTokens).toBe(2_000);
    expectAccepted(await gql(queryOfTokens(2_000)));
    const past = await gql(queryOfTokens(2_001));
    expect(past.status).toBe(400);
    expectRefused(past, 'Syntax Error: Token limit of 2000 exceeded.');
  });

  it('accepts a query costing just under 50,000 and refuses one just over', async () => {
    expect(GRAPHQL_LIMITS.maxCost).toBe(50_000);
    const { id } = await onboard('hardening-cost');
    const at = await gql<{ onboarding: { events: { edges: unknown[] } } }>(queryOfCost(4_597), {
      id,
    });
    expectAccepted(at);
    expect(at.body.data!.onboarding.events.edges.length).toBeGreaterThan(0);
    expectRefused(
      await gql(queryOfCost(4_598), { id }),
      'Syntax Error: Query Cost limit of 50000 exceeded, found 50005.25.',
    );
  });

  it('holds over graphql-ws as over HTTP', async () => {
    const deep = `subscription { onboardingsUpdated { events(first: 1) { edges { node { ... on OnboardingEvent { ... on OnboardingEvent { ... on OnboardingEvent { ... on OnboardingEvent { ... on OnboardingEvent { ... on OnboardingEvent { ... on OnboardingEvent { ... on OnboardingEvent { type } } } } } } } } } } } } }`;
    const sub = subscribeWs(gateway.url, deep, {}, { authorization: admin });
    try {
      await sub.waitForErrors();
      expect(sub.values).toEqual([]);
      // The operation is refused with the limit's message; the socket stays open for others.
      // graphql-ws hands the client the operation's errors as an array; a closed socket has a code.
      const [refused] = sub.errors.flat() as { message?: string; code?: number }[];
      expect(refused?.code).toBeUndefined();
      expect(refused?.message).toMatch(/Query depth limit of 12 exceeded, found 13/);
      const shallow = subscribeWs(gateway.url, WatchOnboardings, {}, { authorization: admin });
      await shallow.close();
      expect(shallow.errors).toEqual([]);
    } finally {
      await sub.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// HTTP: bodies, CSRF, batching
// ---------------------------------------------------------------------------------------------

/** The smallest query: what the body, CSRF and batching checks send, the document not the point. */
const TYPENAME = '{ __typename }';

/** A JSON body of exactly `bytes` bytes holding a valid query, padded inside a comment. */
function bodyOf(bytes: number): string {
  const query = `${TYPENAME} #`;
  const padding = bytes - JSON.stringify({ query }).length;
  const body = JSON.stringify({ query: `${query}${'x'.repeat(padding)}` });
  expect(Buffer.byteLength(body)).toBe(bytes);
  return body;
}

async function post(body: BodyInit, headers: Record<string, string> = {}, extra: object = {}) {
  const res = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: admin, ...headers },
    body,
    ...extra,
  } as RequestInit);
  return { status: res.status, json: (await res.json()) as GraphQLResponse['body'] };
}

describe('request bodies', () => {
  it('accepts a body of exactly 100 KiB and refuses one byte more with 413', async () => {
    expect(GRAPHQL_LIMITS.maxBodyBytes).toBe(100 * 1024);
    expect(await post(bodyOf(100 * 1024))).toEqual({
      status: 200,
      json: { data: { __typename: 'Query' } },
    });
    const over = await post(bodyOf(100 * 1024 + 1));
    expect(over.status).toBe(413);
    expect(over.json.errors?.[0]?.message).toMatch(/over 102400 bytes/);
  });

  it('refuses a streamed body that declares no length with 411, however small', async () => {
    const small = JSON.stringify({ query: TYPENAME });
    const streamed = await post(
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(small));
          controller.close();
        },
      }),
      {},
      { duplex: 'half' },
    );
    expect(streamed).toEqual({
      status: 411,
      json: { errors: [{ message: 'Content-Length is required' }] },
    });
  });

  it('refuses a batch (an array of operations)', async () => {
    const batch = await post(JSON.stringify([{ query: TYPENAME }, { query: TYPENAME }]));
    expect(batch.status).toBe(400);
    expect(batch.json.data).toBeUndefined();
    expect(batch.json.errors?.[0]?.message).toBe('Batching is not supported.');
  });
});

describe('CSRF prevention', () => {
  const url = () => `${gateway.url}/graphql?query=${encodeURIComponent(TYPENAME)}`;

  it('refuses a GET query without the CSRF header with 403, and answers it with the header', async () => {
    const bare = await fetch(url(), { headers: { authorization: admin } });
    expect(bare.status).toBe(403);
    expect(await bare.json()).toEqual({
      errors: [{ message: 'Required CSRF header(s) not present' }],
    });

    const marked = await fetch(url(), {
      headers: { authorization: admin, 'x-graphql-yoga-csrf': '1' },
    });
    expect(marked.status).toBe(200);
    expect(await marked.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a POST a browser form could send (text/plain) with 403, and runs nothing', async () => {
    const { id, raw } = await onboard('hardening-csrf');
    const cancel = JSON.stringify({ query: CancelOnboarding.query, variables: { id } });
    const res = await post(cancel, { 'content-type': 'text/plain' });
    expect(res.status).toBe(403);
    const row = (await tableRows(gateway.database, 'onboardings')).find((r) => r.id === raw);
    expect(row?.cancelledAt).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Masked errors
// ---------------------------------------------------------------------------------------------

describe('an unexpected error', () => {
  it('reaches the client as "Unexpected error." only; the log has the detail', async () => {
    const { id, raw } = await onboard('hardening-masked');
    // A sealed value damaged at rest, by something other than the gateway's own connection:
    // opening it fails, which no resolver expects.
    await overwriteOnboardingColumn(t, raw, 'sendzen_api_key_sealed', (sealed) => {
      const parts = sealed.split('.');
      const tag = Buffer.from(parts[4]!, 'base64url');
      tag[0]! ^= 0x01;
      parts[4] = tag.toString('base64url');
      return parts.join('.');
    });
    const before = logLines.length;

    const res = await gql(RevealSendzenApiKey, { id });
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toEqual([
      {
        message: 'Unexpected error.',
        locations: [locationOf(RevealSendzenApiKey.query, 'revealSendzenApiKey(')],
        path: ['revealSendzenApiKey'],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      },
    ]);
    expect(JSON.stringify(res.body)).not.toMatch(/seal|authentication|stack|\.ts/i);

    const logged = logLines.slice(before).join('');
    expect(logged).toContain('sealed value failed authentication');
    expect(logged).toMatch(/SealError/);
  });
});

// ---------------------------------------------------------------------------------------------
// Live mode against sandbox mode
// ---------------------------------------------------------------------------------------------

describe('live mode', () => {
  let live: { url: string };
  let liveDir: string;
  let env: Record<string, string>;
  let store: Awaited<ReturnType<typeof testStoreEnv>> | undefined;

  beforeAll(async () => {
    liveDir = mkdtempSync(join(tmpdir(), 'gateway-hardening-live-'));
    store = await testStoreEnv();
    env = liveEnv(sandbox, { port: await freePort(), dir: liveDir, overrides: store.env });
    live = await startChildGateway(env);
  });
  afterAll(async () => {
    await killAllChildGateways();
    await store?.drop();
    if (liveDir) rmSync(liveDir, { recursive: true, force: true });
  });

  const post = (url: string, query: string, headers: Record<string, string>) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        ...headers,
      },
      body: JSON.stringify({ query }),
    });

  const INTROSPECTION = '{ __schema { queryType { name } } }';

  it('refuses introspection, to an admin key too, and still answers ordinary queries', async () => {
    for (const query of [INTROSPECTION, '{ __type(name: "Onboarding") { fields { name } } }']) {
      const res = await post(live.url, query, authorization(env));
      expect(res.status).toBe(400);
      const body = (await res.json()) as GraphQLResponse['body'];
      expect(body.data).toBeUndefined();
      expect(body.errors?.length).toBeGreaterThan(0);
      for (const error of body.errors!) {
        expect(error.message).toMatch(/^GraphQL introspection has been disabled/);
      }
    }
    const ordinary = await post(
      live.url,
      '{ __typename onboardings(first: 1) { edges { cursor } } }',
      authorization(env),
    );
    expect(ordinary.status).toBe(200);
    expect(await ordinary.json()).toEqual({
      data: { __typename: 'Query', onboardings: { edges: [] } },
    });
    // Sandbox mode, the same introspection is answered.
    const sandboxed = await gql(INTROSPECTION);
    expect(sandboxed.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('suggests no field names, where sandbox mode does', async () => {
    // A misspelled field, argument, type and enum value: graphql-js would suggest the real name of
    // each, which maps the schema that introspection keeps hidden.
    const misspelled = [
      '{ onboardings(first: 1) { edge { cursor } } }',
      '{ onboardings(frist: 1) { edges { cursor } } }',
      'query($s: [OnboardingStatu!]) { onboardings(status: $s) { edges { cursor } } }',
      '{ onboardings(status: [READDY]) { edges { cursor } } }',
    ];
    for (const query of misspelled) {
      const res = await post(live.url, query, authorization(env));
      expect(res.status).toBe(400);
      const body = (await res.json()) as GraphQLResponse['body'];
      expect(body.errors?.length).toBeGreaterThan(0);
      for (const error of body.errors!) {
        expect(error.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(error.message).not.toMatch(/did you mean/i);
      }
    }
    // A variable's value is coerced as the operation starts, with its own suggestions.
    const variable = await fetch(`${live.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        ...authorization(env),
      },
      body: JSON.stringify({
        query: 'query($s: [OnboardingStatus!]) { onboardings(status: $s) { edges { cursor } } }',
        variables: { s: ['READDY'] },
      }),
    });
    const coerced = (await variable.json()) as GraphQLResponse['body'];
    expect(coerced.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expect(coerced.errors![0]!.message).toMatch(/READDY/);
    expect(coerced.errors![0]!.message).not.toMatch(/did you mean/i);

    const sandboxed = await gql(misspelled[0]!);
    expect(sandboxed.body.errors![0]!.message).toMatch(/Did you mean "edges"\?/);
    const sandboxedVariable = await gql(misspelled[2]!.replace('Statu!', 'Status!'), {
      s: ['READDY'],
    });
    expect(sandboxedVariable.body.errors![0]!.message).toMatch(
      /Did you mean the enum value "READY"\?/,
    );
  });

  it('serves no GraphiQL page, where sandbox mode serves it without a credential', async () => {
    const page = { accept: 'text/html' };
    const anonymous = await fetch(`${live.url}/graphql`, { headers: page });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type') ?? '').not.toMatch(/html/);
    expect(await anonymous.text()).not.toMatch(/graphiql/i);

    const withKey = await fetch(`${live.url}/graphql`, {
      headers: { ...page, ...authorization(env) },
    });
    expect(withKey.headers.get('content-type') ?? '').not.toMatch(/html/);
    expect(await withKey.text()).not.toMatch(/graphiql/i);
    // Nor its script.
    expect((await fetch(`${live.url}/graphiql/graphiql.js`)).status).toBe(404);

    const sandboxed = await fetch(`${gateway.url}/graphql`, { headers: page });
    expect(sandboxed.status).toBe(200);
    expect(sandboxed.headers.get('content-type')).toMatch(/text\/html/);
    expect(await sandboxed.text()).toMatch(/graphiql/i);
    expect((await fetch(`${gateway.url}/graphiql/graphiql.js`)).status).toBe(200);
  });

  it('takes its sealing key from configuration and writes no key file', () => {
    // Nor a SQLite file when it runs on PostgreSQL.
    expect(existsSync(join(liveDir, 'gateway.sqlite'))).toBe(TEST_STORE === 'sqlite');
    expect(existsSync(join(liveDir, 'secrets.key'))).toBe(false);
  });
});

describe('the sandbox sealing key file', () => {
  it('sits beside the database, readable and writable by its owner only', () => {
    const file = join(dir, 'secrets.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const keys = readFileSync(file, 'utf8').trim().split('\n');
    expect(keys).toHaveLength(1);
    expect(Buffer.from(keys[0]!, 'base64')).toHaveLength(32);
  });
});
