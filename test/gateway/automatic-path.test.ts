// The product's main promise: onboardCustomer, the customer completes the signup, and the gateway
// provisions everything by itself while a subscriber watches it happen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Subscription, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { OnboardCustomer, type ResultOf, WatchOnboarding } from '../support/operations.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());

type Watched = ResultOf<typeof WatchOnboarding>;

async function onboard(clientIdentifier: string, region = 'EU') {
  const res = await t.gql(OnboardCustomer, {
    input: { clientIdentifier, displayName: `Shop ${clientIdentifier}`, region },
  });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.onboardCustomer;
}

async function walkToReady(sub: Subscription<Watched>, clientIdentifier: string, region: string) {
  await sub.waitFor((v) => v.onboardingUpdated.status === 'AWAITING_SIGNUP');
  await t.sandbox.control('POST', '/sendzen/signups', { clientIdentifier, status: 'completed' });
  const ready = await sub.waitFor((v) => v.onboardingUpdated.status === 'READY');
  const statuses = sub.values
    .map((v) => v.onboardingUpdated.status)
    .filter((s, i, all) => s !== all[i - 1]);
  expect(statuses).toEqual(['AWAITING_SIGNUP', 'PROVISIONING', 'READY']);
  // Every change arrives, in order, each with the onboarding's full state.
  const versions = sub.values.map((v) => v.onboardingUpdated.version);
  expect(versions).toEqual([...versions].sort((a, b) => a - b));
  expect(new Set(versions).size).toBe(versions.length);
  expect(ready.onboardingUpdated.steps.every((s) => s.status === 'SUCCEEDED')).toBe(true);
  expect(ready.onboardingUpdated.sender).toMatchObject({ state: 'ACTIVE', hasBearerToken: true });
  expect(ready.onboardingUpdated.conversationApp).toMatchObject({
    region,
    credentialStatus: 'ACTIVE',
  });
  expect(ready.onboardingUpdated.webhooks.map((w) => w.triggers)).toEqual([
    ['MESSAGE_DELIVERY', 'MESSAGE_INBOUND'],
  ]);
  return sub.values;
}

describe('automatic provisioning', () => {
  it('returns the iframe URL at once, and an SSE subscriber sees AWAITING_SIGNUP -> PROVISIONING -> READY', async () => {
    const { created, onboarding } = await onboard('auto-sse');
    expect(created).toBe(true);
    expect(onboarding.status).toBe('AWAITING_SIGNUP');
    expect(onboarding.iframeUrl).toContain('/sendzen/onboard/iframe?token=');

    const sub = await t.sse(WatchOnboarding, { id: onboarding.id });
    try {
      const seen = await walkToReady(sub, 'auto-sse', 'eu');
      // Each step change is its own update: the sender step alone goes PENDING, RUNNING, WAITING, SUCCEEDED.
      const senderStates = seen
        .map((v) => v.onboardingUpdated.steps.find((s) => s.name === 'WHATSAPP_SENDER')!.status)
        .filter((s, i, all) => s !== all[i - 1]);
      expect(senderStates).toEqual(['PENDING', 'RUNNING', 'WAITING', 'SUCCEEDED']);
    } finally {
      await sub.close();
    }
  });

  it('delivers the same over graphql-ws on the same endpoint', async () => {
    const { onboarding } = await onboard('auto-ws', 'US');
    const sub = t.ws(WatchOnboarding, { id: onboarding.id });
    try {
      await walkToReady(sub, 'auto-ws', 'us');
    } finally {
      await sub.close();
    }
  });

  it('is idempotent per client identifier: the same customer gets the same onboarding and one SendZen project', async () => {
    const first = await onboard('same-customer');
    const again = await onboard('same-customer');
    expect(again.created).toBe(false);
    expect(again.onboarding.id).toBe(first.onboarding.id);
    const state = await t.sandbox.control<{
      records: { sendzenProjects: { clientIdentifier: string }[] };
    }>('GET', '/state');
    const projects = state.records.sendzenProjects.filter(
      (p) => p.clientIdentifier === 'same-customer',
    );
    expect(projects).toHaveLength(1);
  });
});
