// Mutation budgets over real HTTP: 429, Retry-After and the RATE_LIMITED error, per API key and per
// onboarding's session tokens, and never for queries. The limits are set low for this suite only:
// 3 mutations a minute per key (one every 20 s, so a burst's 4th is refused however slow the
// machine), and a session budget that refills in about a second, to see a caller served again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import {
  CancelOnboarding,
  type Document,
  documentText,
  OnboardCustomer,
  ReadOnboarding,
} from '../support/operations.ts';

let t: TestGateway;
let onboardingId: string;

beforeAll(async () => {
  t = await startTestGateway({
    env: {
      RATE_LIMIT_KEY_PER_MINUTE: '3',
      RATE_LIMIT_SESSION_PER_MINUTE: '60',
      RATE_LIMIT_SESSION_BURST: '2',
    },
  });
  const res = await t.gql(OnboardCustomer, {
    input: { clientIdentifier: 'rate-limits', autoProvision: false },
  });
  expect(res.body.errors).toBeUndefined();
  onboardingId = res.body.data!.onboardCustomer.onboarding.id;
});

afterAll(() => t?.close());

interface Answer {
  status: number;
  retryAfter: string | null;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

/** A POST to /graphql, with the response's status and Retry-After header, which `t.gql` leaves out. */
async function post<T>(
  document: Document<T>,
  variables: Record<string, unknown>,
  authorization: string,
): Promise<Answer> {
  const res = await fetch(`${t.gateway.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization,
    },
    body: JSON.stringify({ query: documentText(document), variables }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
}

/** A mutation that changes nothing: the id names no onboarding. */
const harmless = (authorization: string) =>
  post(CancelOnboarding, { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' }, authorization);

const rateLimited = (answer: Answer) =>
  answer.body.errors?.[0]?.extensions?.code === 'RATE_LIMITED';

function expectRefused(answer: Answer, maxSeconds: number): number {
  expect(answer.status).toBe(429);
  expect(answer.body.data ?? null).toBeNull();
  expect(answer.body.errors).toHaveLength(1);
  const [error] = answer.body.errors!;
  expect(error!.extensions).toEqual({
    code: 'RATE_LIMITED',
    retryAfterSeconds: expect.any(Number),
  });
  const seconds = error!.extensions!.retryAfterSeconds as number;
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(maxSeconds);
  expect(answer.retryAfter).toBe(String(seconds));
  return seconds;
}

describe('mutation rate limits', () => {
  it("refuses a key's 4th mutation in a burst with 429, Retry-After and RATE_LIMITED, and runs none of it", async () => {
    const key = await t.keyWith('write');
    for (let i = 0; i < 3; i++) {
      const answer = await harmless(key);
      expect(answer.status).toBe(200);
      expect(rateLimited(answer)).toBe(false);
    }
    const fourth = await post(CancelOnboarding, { id: onboardingId }, key);
    // One token every 20 s, and the burst began moments ago.
    expectRefused(fourth, 20);
    expect((await t.onboarding(onboardingId)).status).not.toBe('CANCELLED');
  });

  it('limits each key on its own, and never limits queries', async () => {
    const spent = await t.keyWith('write');
    for (let i = 0; i < 3; i++) await harmless(spent);
    expectRefused(await harmless(spent), 20);

    for (let i = 0; i < 10; i++) {
      const read = await post(ReadOnboarding, { id: onboardingId }, spent);
      expect(read.status).toBe(200);
      expect(read.body.errors).toBeUndefined();
    }
    const other = await harmless(await t.keyWith('write'));
    expect(other.status).toBe(200);
    expect(rateLimited(other)).toBe(false);
  });

  it('refuses a mutation over WebSocket with the same error', async () => {
    const spent = await t.keyWith('write');
    for (let i = 0; i < 3; i++) await harmless(spent);
    const ws = t.ws(CancelOnboarding, { id: onboardingId }, spent);
    try {
      const [error] = (await ws.waitForErrors()) as { extensions?: Record<string, unknown> }[];
      expect(error?.extensions).toEqual({
        code: 'RATE_LIMITED',
        retryAfterSeconds: expect.any(Number),
      });
    } finally {
      await ws.close();
    }
    expect((await t.onboarding(onboardingId)).status).not.toBe('CANCELLED');
  });

  it("gives an onboarding's session tokens a budget of their own, shared by every token for it", async () => {
    const spentKey = await t.keyWith('write');
    for (let i = 0; i < 3; i++) await harmless(spentKey);
    expectRefused(await harmless(spentKey), 20);

    const raw = rawOnboardingId(onboardingId);
    const first = `Bearer ${t.gateway.sessions.issue(raw, 0).token}`;
    const second = `Bearer ${t.gateway.sessions.issue(raw, 0).token}`;
    // A session token may not cancel: the mutation runs (and is counted), and answers FORBIDDEN.
    let answers = 0;
    let refused: Answer | undefined;
    while (!refused && answers < 20) {
      const answer = await harmless(answers % 2 === 0 ? first : second);
      answers++;
      if (rateLimited(answer)) refused = answer;
      else expect(answer.status).toBe(200);
    }
    // Burst 2, and a token a second: the third comes too soon unless the machine stalled a second.
    expect(refused, 'the session budget was never spent').toBeDefined();
    // Served while the key was refused: its own budget, spent only after its burst of 2.
    expect(answers).toBeGreaterThanOrEqual(3);
    expectRefused(refused!, 1);

    // The key's budget is untouched by the session's, and the other way round.
    const fresh = await harmless(await t.keyWith('write'));
    expect(rateLimited(fresh)).toBe(false);
  });

  it('serves a refused caller again once the delay it was given has passed', async () => {
    const token = `Bearer ${t.gateway.sessions.issue(rawOnboardingId(onboardingId), 0).token}`;
    let refused: Answer | undefined;
    for (let i = 0; !refused && i < 20; i++) {
      const answer = await harmless(token);
      if (rateLimited(answer)) refused = answer;
    }
    expect(refused, 'the session budget was never spent').toBeDefined();
    const seconds = expectRefused(refused!, 1);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
    const again = await harmless(token);
    expect(again.status).toBe(200);
    expect(rateLimited(again)).toBe(false);
  });
});
