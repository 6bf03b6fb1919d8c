// A partner that drives every step by hand: onboardCustomer with `autoProvision: false`, then
// createSender and createConversationApp, each refused until the step before it is done. And the
// frontend relaying the iframe's postMessage instead of waiting for SendZen's webhook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());

const ONBOARDING_FIELDS = /* GraphQL */ `
  fragment Fields on Onboarding {
    id status autoProvision subprojectId
    signup { status source wabaId phoneNumberId }
    steps { name status attempts nextAttemptAt }
    actionRequired { step code }
    sender { id state wabaId phoneNumberId hasBearerToken }
    conversationApp { id region senderId credentialStatus }
    webhooks { triggers }
  }
`;

interface Onboarding {
  id: string;
  status: string;
  autoProvision: boolean;
  subprojectId: string | null;
  signup: {
    status: string;
    source: string;
    wabaId: string | null;
    phoneNumberId: string | null;
  } | null;
  steps: { name: string; status: string; attempts: number; nextAttemptAt: string | null }[];
  actionRequired: { step: string; code: string } | null;
  sender: {
    id: string;
    state: string;
    wabaId: string;
    phoneNumberId: string;
    hasBearerToken: boolean;
  } | null;
  conversationApp: {
    id: string;
    region: string;
    senderId: string;
    credentialStatus: string | null;
  } | null;
  webhooks: { triggers: string[] }[];
}

/** What a mutation with a typed error result answers: the onboarding, or the error's fields. */
interface MutationResult {
  __typename: string;
  message?: string;
  step?: string;
  field?: string;
  onboarding?: Onboarding;
}

const ONBOARD = /* GraphQL */ `
  mutation Onboard($input: OnboardCustomerInput!) {
    onboardCustomer(input: $input) { created onboarding { ...Fields } }
  }
  ${ONBOARDING_FIELDS}
`;

const GET = /* GraphQL */ `
  query Get($id: ID!) { onboarding(id: $id) { ...Fields } }
  ${ONBOARDING_FIELDS}
`;

const RESULT_FIELDS = /* GraphQL */ `
  __typename
  ... on Error { message }
  ... on PreconditionFailed { step }
  ... on InvalidInput { field }
`;

const CREATE_SENDER = /* GraphQL */ `
  mutation CreateSender($id: ID!) {
    createSender(onboardingId: $id) {
      ${RESULT_FIELDS}
      ... on CreateSenderSuccess { onboarding { ...Fields } }
    }
  }
  ${ONBOARDING_FIELDS}
`;

const CREATE_APP = /* GraphQL */ `
  mutation CreateApp($id: ID!) {
    createConversationApp(onboardingId: $id) {
      ${RESULT_FIELDS}
      ... on CreateConversationAppSuccess { onboarding { ...Fields } }
    }
  }
  ${ONBOARDING_FIELDS}
`;

const RELAY = /* GraphQL */ `
  mutation Relay($input: RelaySignupResultInput!) {
    relaySignupResult(input: $input) {
      ${RESULT_FIELDS}
      ... on RelaySignupResultSuccess { onboarding { ...Fields } }
    }
  }
  ${ONBOARDING_FIELDS}
`;

async function onboard(clientIdentifier: string, extra: Record<string, unknown> = {}) {
  const res = await t.gql<{ onboardCustomer: { created: boolean; onboarding: Onboarding } }>(
    ONBOARD,
    {
      input: { clientIdentifier, displayName: `Shop ${clientIdentifier}`, region: 'EU', ...extra },
    },
  );
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data!.onboardCustomer.created).toBe(true);
  return res.body.data!.onboardCustomer.onboarding;
}

const get = (id: string) => t.onboarding<Onboarding>(GET, id);
/** Polls the onboarding over GraphQL until `done` holds. */
const waitFor = (id: string, done: (o: Onboarding) => boolean, timeoutMs?: number) =>
  t.waitForOnboarding<Onboarding>(GET, id, done, timeoutMs);

async function mutate(query: string, variables: Record<string, unknown>): Promise<MutationResult> {
  const res = await t.gql<Record<string, MutationResult>>(query, variables);
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  return Object.values(res.body.data!)[0]!;
}

const step = (o: Onboarding, name: string) => o.steps.find((s) => s.name === name)!;

/** Calls the fake received for one subproject (e.g. sender creates), from its journal. */
async function calls(upstream: string, method: string, pathPattern: RegExp) {
  const entries = await t.sandbox.journal(upstream);
  return entries.filter(
    (e) => e.direction === 'inbound' && e.method === method && pathPattern.test(e.path ?? ''),
  );
}

describe('manual provisioning (autoProvision: false)', () => {
  it('refuses createSender before the signup and createConversationApp before the sender, naming the missing step', async () => {
    const o = await onboard('manual-early', { autoProvision: false });
    expect(o.autoProvision).toBe(false);
    expect(o.status).toBe('AWAITING_SIGNUP');

    const sender = await mutate(CREATE_SENDER, { id: o.id });
    expect(sender).toMatchObject({ __typename: 'PreconditionFailed', step: 'CUSTOMER_SIGNUP' });
    expect(sender.message).toMatch(/signup/i);

    const app = await mutate(CREATE_APP, { id: o.id });
    expect(app).toMatchObject({ __typename: 'PreconditionFailed', step: 'WHATSAPP_SENDER' });
    expect(app.message).toMatch(/sender/i);

    // Refused means nothing happened: no sender, no app, the customer is still expected.
    const after = await get(o.id);
    expect(after.status).toBe('AWAITING_SIGNUP');
    expect(after.sender).toBeNull();
    expect(after.conversationApp).toBeNull();
    expect(step(after, 'WHATSAPP_SENDER')).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(step(after, 'CONVERSATION_APP')).toMatchObject({ status: 'PENDING', attempts: 0 });
  });

  it('stops after the signup until createSender, then createConversationApp once the sender is ACTIVE, and reaches READY', async () => {
    const clientIdentifier = 'manual-walk';
    const o = await onboard(clientIdentifier, { autoProvision: false });
    await t.sandbox.control('POST', '/sendzen/signups', { clientIdentifier, status: 'completed' });

    // The signup and everything that needs no person are done; the sender step is not scheduled.
    const signedUp = await waitFor(
      o.id,
      (x) =>
        step(x, 'CUSTOMER_SIGNUP').status === 'SUCCEEDED' &&
        step(x, 'PROVISIONING_WEBHOOK').status === 'SUCCEEDED',
    );
    expect(signedUp.status).toBe('PROVISIONING');
    expect(signedUp.signup).toMatchObject({ status: 'COMPLETED', source: 'WEBHOOK' });
    expect(step(signedUp, 'WHATSAPP_SENDER')).toEqual({
      name: 'WHATSAPP_SENDER',
      status: 'PENDING',
      attempts: 0,
      nextAttemptAt: null,
    });
    expect(signedUp.sender).toBeNull();
    const subproject = signedUp.subprojectId!;
    const senderPath = new RegExp(`^/v1/projects/${subproject}/whatsapp/senders$`);
    expect(await calls('provisioning', 'POST', senderPath)).toHaveLength(0);

    // Still no sender, so still no app.
    expect(await mutate(CREATE_APP, { id: o.id })).toMatchObject({
      __typename: 'PreconditionFailed',
      step: 'WHATSAPP_SENDER',
    });

    // The sender takes a moment to activate, long enough to ask for the app too early once more.
    await t.sandbox.scriptSender({ state: 'ACTIVE', afterMs: 800 });
    const created = await mutate(CREATE_SENDER, { id: o.id });
    expect(created.__typename).toBe('CreateSenderSuccess');
    expect(created.onboarding!.sender).toMatchObject({
      state: 'IN_PROGRESS',
      hasBearerToken: false,
    });
    expect(step(created.onboarding!, 'WHATSAPP_SENDER').status).toBe('WAITING');
    expect(await calls('provisioning', 'POST', senderPath)).toHaveLength(1);

    expect(await mutate(CREATE_APP, { id: o.id })).toMatchObject({
      __typename: 'PreconditionFailed',
      step: 'WHATSAPP_SENDER',
    });

    // Active: the app still waits for its mutation.
    const active = await waitFor(o.id, (x) => step(x, 'WHATSAPP_SENDER').status === 'SUCCEEDED');
    expect(active.sender).toMatchObject({ state: 'ACTIVE', hasBearerToken: true });
    expect(active.status).toBe('PROVISIONING');
    expect(step(active, 'CONVERSATION_APP')).toMatchObject({
      status: 'PENDING',
      attempts: 0,
      nextAttemptAt: null,
    });
    expect(active.conversationApp).toBeNull();
    expect(
      await calls('conversation', 'POST', new RegExp(`^/v1/projects/${subproject}/apps$`)),
    ).toHaveLength(0);

    const app = await mutate(CREATE_APP, { id: o.id });
    expect(app.__typename).toBe('CreateConversationAppSuccess');
    const ready = app.onboarding!;
    expect(ready.status).toBe('READY');
    expect(ready.steps.every((s) => s.status === 'SUCCEEDED')).toBe(true);
    expect(ready.conversationApp).toMatchObject({
      region: 'eu',
      senderId: active.sender!.id,
      credentialStatus: 'ACTIVE',
    });
    expect(ready.webhooks).toEqual([{ triggers: ['MESSAGE_DELIVERY', 'MESSAGE_INBOUND'] }]);

    // The event log says who asked for each step.
    const events = await t.gql<{
      onboarding: { events: { edges: { node: { type: string; step: string | null } }[] } };
    }>(
      `query($id: ID!) { onboarding(id: $id) { events(first: 200) { edges { node { type step } } } } }`,
      { id: o.id },
    );
    const requested = events.body
      .data!.onboarding.events.edges.filter((e) => e.node.type === 'step.requested')
      .map((e) => e.node.step);
    expect(requested).toEqual(['WHATSAPP_SENDER', 'CONVERSATION_APP']);
  });

  it('createSender again on an active sender makes no second sender', async () => {
    const clientIdentifier = 'manual-repeat';
    const o = await onboard(clientIdentifier, { autoProvision: false });
    await t.sandbox.control('POST', '/sendzen/signups', { clientIdentifier, status: 'completed' });
    await waitFor(
      o.id,
      (x) => step(x, 'PROVISIONING_WEBHOOK').status === 'SUCCEEDED' && x.signup !== null,
    );
    expect((await mutate(CREATE_SENDER, { id: o.id })).__typename).toBe('CreateSenderSuccess');
    const active = await waitFor(o.id, (x) => step(x, 'WHATSAPP_SENDER').status === 'SUCCEEDED');

    const again = await mutate(CREATE_SENDER, { id: o.id });
    expect(again.__typename).toBe('CreateSenderSuccess');
    expect(again.onboarding!.sender!.id).toBe(active.sender!.id);
    const senderPath = new RegExp(`^/v1/projects/${active.subprojectId}/whatsapp/senders$`);
    expect(await calls('provisioning', 'POST', senderPath)).toHaveLength(1);
  });
});

describe('relaySignupResult', () => {
  it('completes the signup from what the frontend relays (source RELAY) and provisioning proceeds to READY', async () => {
    const o = await onboard('relay-ok');
    expect(o.autoProvision).toBe(true);
    const wabaId = '524126980791429';
    const phoneNumberId = '106540352242922';

    const relayed = await mutate(RELAY, {
      input: { onboardingId: o.id, status: 'COMPLETED', wabaId, phoneNumberId },
    });
    expect(relayed.__typename).toBe('RelaySignupResultSuccess');
    expect(relayed.onboarding!.signup).toEqual({
      status: 'COMPLETED',
      source: 'RELAY',
      wabaId,
      phoneNumberId,
    });
    expect(relayed.onboarding!.status).toBe('PROVISIONING');

    const ready = await waitFor(
      o.id,
      (x) => x.status === 'READY' || x.status === 'ACTION_REQUIRED',
    );
    expect(ready.status).toBe('READY');
    expect(ready.sender).toMatchObject({ state: 'ACTIVE', wabaId, phoneNumberId });
    // The sender Sinch made is the customer's number, as relayed.
    const state = await t.sandbox.control<{
      records: { senders: { id: string; wabaId: string; phoneNumberId: string }[] };
    }>('GET', '/state');
    expect(state.records.senders.find((s) => s.id === ready.sender!.id)).toMatchObject({
      wabaId,
      phoneNumberId,
    });
  });

  it('refuses a result relayed for another customer or another SendZen project with InvalidInput, and changes nothing', async () => {
    const o = await onboard('relay-mine');
    const input = { onboardingId: o.id, status: 'COMPLETED', wabaId: '111', phoneNumberId: '222' };

    const otherCustomer = await mutate(RELAY, {
      input: { ...input, clientIdentifier: 'relay-someone-else' },
    });
    expect(otherCustomer).toMatchObject({ __typename: 'InvalidInput', field: 'clientIdentifier' });
    expect(otherCustomer.message).toMatch(/another customer/i);

    const otherProject = await mutate(RELAY, {
      input: { ...input, projectId: 'proj_000000000000' },
    });
    expect(otherProject).toMatchObject({ __typename: 'InvalidInput', field: 'projectId' });

    const after = await get(o.id);
    expect(after.status).toBe('AWAITING_SIGNUP');
    expect(after.signup).toBeNull();
    expect(step(after, 'CUSTOMER_SIGNUP').status).toBe('WAITING');
  });

  it('a relayed FAILED signup asks for action on the signup step', async () => {
    const o = await onboard('relay-failed');
    const relayed = await mutate(RELAY, {
      input: { onboardingId: o.id, status: 'FAILED', message: 'The customer closed the window.' },
    });
    expect(relayed.__typename).toBe('RelaySignupResultSuccess');
    expect(relayed.onboarding!.status).toBe('ACTION_REQUIRED');
    expect(relayed.onboarding!.actionRequired).toMatchObject({ step: 'CUSTOMER_SIGNUP' });
    expect(relayed.onboarding!.signup).toMatchObject({ status: 'FAILED', source: 'RELAY' });
  });
});
