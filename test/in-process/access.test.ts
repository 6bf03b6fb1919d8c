// Who may do what, asked of the gateway's yoga in process: a request handed to yoga directly is
// authenticated from its Authorization header as the HTTP route authenticates it, so the same
// credential gets the same answer either way. (The full matrix of operations and callers, over
// HTTP, SSE and graphql-ws, is test/gateway/authorization.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.ts';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import { graphql, newBootstrapKey } from '../support/gateway.ts';
import { type InProcessGateway, startInProcessGateway } from '../support/in-process.ts';
import {
  CreateSender,
  ListOnboardings,
  LookUpOnboarding,
  OnboardCustomer,
  RevealSendzenApiKey,
} from '../support/operations.ts';

let t: InProcessGateway;
let onboarding: { id: string; session: string };
let other: { id: string; session: string };

async function onboard(clientIdentifier: string) {
  const res = await t.gql(OnboardCustomer, { input: { clientIdentifier, autoProvision: false } });
  expect(res.body.errors).toBeUndefined();
  const { onboarding, sessionToken } = res.body.data!.onboardCustomer;
  return { id: onboarding.id, session: `Bearer ${sessionToken}` };
}

beforeAll(async () => {
  t = await startInProcessGateway();
  onboarding = await onboard('access-mine');
  other = await onboard('access-other');
});
afterAll(() => t?.close());

const codes = (errors: { extensions?: Record<string, unknown> }[] | undefined) =>
  (errors ?? []).map((e) => e.extensions?.code);

describe('a request without a valid credential', () => {
  const revoked = async () => {
    const key = await createApiKey(t.gateway.database.apiKeys, {
      name: 'revoked',
      scopes: ['admin'],
    });
    await t.gateway.database.apiKeys.revoke(key.id, Date.now());
    return `Bearer ${key.key}`;
  };
  const expired = () =>
    `Bearer ${t.gateway.sessions.issue(rawOnboardingId(onboarding.id), 0, Date.now() - 3_600_001).token}`;

  it.each([
    ['no credential', () => null],
    ['a credential that is not a bearer token', () => 'Basic dXNlcjpwYXNz'],
    ['an API key the gateway never issued', () => `Bearer ${newBootstrapKey()}`],
    ['a revoked API key', revoked],
    ['an expired session token', expired],
  ])('(%s) is refused with the 401 and body the HTTP route gives', async (_, credential) => {
    const authorization = await credential();
    const inProcess = await t.gql(LookUpOnboarding, { id: onboarding.id }, authorization);
    const overHttp = await graphql(
      t.gateway.url,
      LookUpOnboarding,
      { id: onboarding.id },
      authorization === null ? {} : { authorization },
    );
    expect(inProcess.status).toBe(401);
    expect(codes(inProcess.body.errors)).toEqual(['UNAUTHENTICATED']);
    expect(inProcess.body.data).toBeUndefined();
    expect(inProcess).toEqual(overHttp);
  });
});

describe('a valid credential outside its scopes', () => {
  it.each([
    ['a read key', ['read'] as const, OnboardCustomer, 'Mutation.onboardCustomer'],
    ['a write key', ['write'] as const, RevealSendzenApiKey, 'Mutation.revealSendzenApiKey'],
  ])(
    '(%s) is FORBIDDEN the field, naming it, and nothing runs',
    async (_, scopes, document, field) => {
      const key = await t.keyWith(...scopes);
      const variables = {
        id: onboarding.id,
        input: { clientIdentifier: `access-forbidden-${scopes[0]}` },
      };
      const res = await t.gql<Record<string, unknown>>(document, variables, key);
      expect(res.status).toBe(200);
      expect(codes(res.body.errors)).toEqual(['FORBIDDEN']);
      expect(res.body.errors![0]!.message).toBe(`This credential may not use ${field}`);
      expect(res.body.data).toBeNull();
      // Within its scopes the same key is answered.
      const read = await t.gql(LookUpOnboarding, { id: onboarding.id }, key);
      expect(read.body).toEqual({
        data: { onboarding: { id: onboarding.id, clientIdentifier: 'access-mine' } },
      });
      const made = await t.gql(ListOnboardings, { search: 'access-forbidden-' });
      expect(made.body.data!.onboardings.edges).toEqual([]);
    },
  );
});

describe('an onboarding session token', () => {
  it('reads its own onboarding; another is "not found", exactly like one that does not exist', async () => {
    const mine = await t.gql(LookUpOnboarding, { id: onboarding.id }, onboarding.session);
    expect(mine.body).toEqual({
      data: { onboarding: { id: onboarding.id, clientIdentifier: 'access-mine' } },
    });
    const theirs = await t.gql(LookUpOnboarding, { id: other.id }, onboarding.session);
    const nowhere = await t.gql(
      LookUpOnboarding,
      { id: 'Onboarding-that-does-not-exist' },
      onboarding.session,
    );
    expect(theirs.body).toEqual({ data: { onboarding: null } });
    expect(nowhere.body).toEqual(theirs.body);
  });

  it('may neither list onboardings nor drive a step', async () => {
    const list = await t.gql(ListOnboardings, {}, onboarding.session);
    expect(codes(list.body.errors)).toEqual(['FORBIDDEN']);
    const sender = await t.gql(CreateSender, { id: onboarding.id }, onboarding.session);
    expect(codes(sender.body.errors)).toEqual(['FORBIDDEN']);
    expect(sender.body.errors![0]!.message).toBe(
      'This credential may not use Mutation.createSender',
    );
  });
});
