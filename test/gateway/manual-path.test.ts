// A partner that drives every step by hand: onboardCustomer with `autoProvision: false`, then
// createSender and createConversationApp, each refused until the step before it is done. And the
// frontend relaying the iframe's postMessage (shown at once; what it may cause is in
// signup-confirmation.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import {
  CreateConversationApp,
  CreateSender,
  OnboardCustomer,
  type OnboardingView,
  type Operation,
  type Outcome,
  RelaySignupResult,
} from '../support/operations.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());

/** What a mutation with a typed error result answers: the onboarding, or the error's fields. */
type MutationResult = Outcome<{ onboarding: OnboardingView }>;

async function onboard(clientIdentifier: string, extra: Record<string, unknown> = {}) {
  const res = await t.gql(OnboardCustomer, {
    input: { clientIdentifier, displayName: `Shop ${clientIdentifier}`, region: 'EU', ...extra },
  });
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data!.onboardCustomer.created).toBe(true);
  return res.body.data!.onboardCustomer.onboarding;
}

const get = (id: string) => t.onboarding(id);
/** Watches the onboarding until `done` holds. */
const waitFor = (id: string, done: (o: OnboardingView) => boolean) => t.waitForOnboarding(id, done);

async function mutate(
  operation: Operation<Record<string, MutationResult>>,
  variables: Record<string, unknown>,
): Promise<MutationResult> {
  const res = await t.gql(operation, variables);
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  return Object.values(res.body.data!)[0]!;
}

const step = (o: OnboardingView, name: string) => o.steps.find((s) => s.name === name)!;

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

    const sender = await mutate(CreateSender, { id: o.id });
    expect(sender).toMatchObject({ __typename: 'PreconditionFailed', step: 'CUSTOMER_SIGNUP' });
    expect(sender.message).toMatch(/signup/i);

    const app = await mutate(CreateConversationApp, { id: o.id });
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
      phoneNumberId: null,
      status: 'PENDING',
      attempts: 0,
      nextAttemptAt: null,
      waitingFor: null,
      error: null,
    });
    expect(signedUp.sender).toBeNull();
    const subproject = signedUp.subprojectId!;
    const senderPath = new RegExp(`^/v1/projects/${subproject}/whatsapp/senders$`);
    expect(await calls('provisioning', 'POST', senderPath)).toHaveLength(0);

    // Still no sender, so still no app.
    expect(await mutate(CreateConversationApp, { id: o.id })).toMatchObject({
      __typename: 'PreconditionFailed',
      step: 'WHATSAPP_SENDER',
    });

    // The sender stays IN_PROGRESS until the test activates it (as Sinch does after a while), so
    // the app is asked for too early once more, however slowly the machine runs.
    await t.sandbox.scriptSender({ state: 'ACTIVE', afterMs: 3_600_000 });
    const created = await mutate(CreateSender, { id: o.id });
    expect(created.__typename).toBe('CreateSenderSuccess');
    expect(created.onboarding!.sender).toMatchObject({
      state: 'IN_PROGRESS',
      hasBearerToken: false,
    });
    expect(step(created.onboarding!, 'WHATSAPP_SENDER').status).toBe('WAITING');
    expect(await calls('provisioning', 'POST', senderPath)).toHaveLength(1);

    expect(await mutate(CreateConversationApp, { id: o.id })).toMatchObject({
      __typename: 'PreconditionFailed',
      step: 'WHATSAPP_SENDER',
    });

    await t.sandbox.control('POST', `/sinch/senders/${created.onboarding!.sender!.id}/state`, {
      state: 'ACTIVE',
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

    const app = await mutate(CreateConversationApp, { id: o.id });
    expect(app.__typename).toBe('CreateConversationAppSuccess');
    const ready = app.onboarding!;
    expect(ready.status).toBe('READY');
    expect(ready.steps.every((s) => s.status === 'SUCCEEDED')).toBe(true);
    expect(ready.conversationApp).toMatchObject({
      region: 'eu',
      senderId: active.sender!.id,
      credentialStatus: 'ACTIVE',
    });
    expect(ready.webhooks.map((w) => w.triggers)).toEqual([
      ['MESSAGE_DELIVERY', 'MESSAGE_INBOUND'],
    ]);

    // The event log says who asked for each step.
    const requested = (await get(o.id)).events.edges
      .filter((e) => e.node.type === 'step.requested')
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
    expect((await mutate(CreateSender, { id: o.id })).__typename).toBe('CreateSenderSuccess');
    const active = await waitFor(o.id, (x) => step(x, 'WHATSAPP_SENDER').status === 'SUCCEEDED');

    const again = await mutate(CreateSender, { id: o.id });
    expect(again.__typename).toBe('CreateSenderSuccess');
    expect(again.onboarding!.sender!.id).toBe(active.sender!.id);
    const senderPath = new RegExp(`^/v1/projects/${active.subprojectId}/whatsapp/senders$`);
    expect(await calls('provisioning', 'POST', senderPath)).toHaveLength(1);
  });
});

describe('relaySignupResult', () => {
  it('shows what the frontend relays at once, and on a manual onboarding createSender waits for SendZen’s confirmation', async () => {
    const o = await onboard('relay-manual', { autoProvision: false });
    const wabaId = '524126980791429';
    const phoneNumberId = '106540352242922';

    const relayed = await mutate(RelaySignupResult, {
      input: { onboardingId: o.id, status: 'COMPLETED', wabaId, phoneNumberId },
    });
    expect(relayed.__typename).toBe('RelaySignupResultSuccess');
    expect(relayed.onboarding!.signup).toEqual({
      status: 'COMPLETED',
      source: 'RELAY',
      wabaId,
      phoneNumberId,
      message: null,
      awaitingConfirmation: true,
    });
    // The partner's own key cannot skip the confirmation either: a browser's word is no proof.
    const early = await mutate(CreateSender, { id: o.id });
    expect(early).toMatchObject({ __typename: 'PreconditionFailed', step: 'CUSTOMER_SIGNUP' });

    await t.sandbox.control('POST', '/sendzen/signups', {
      clientIdentifier: o.clientIdentifier,
      status: 'completed',
      wabaId,
      phoneNumberId,
    });
    await waitFor(o.id, (x) => step(x, 'CUSTOMER_SIGNUP').status === 'SUCCEEDED');
    const created = await mutate(CreateSender, { id: o.id });
    expect(created.__typename).toBe('CreateSenderSuccess');
    expect(created.onboarding!.sender).toMatchObject({ wabaId, phoneNumberId });
  });

  it('refuses a result relayed for another customer or another SendZen project with InvalidInput, and changes nothing', async () => {
    const o = await onboard('relay-mine');
    const input = { onboardingId: o.id, status: 'COMPLETED', wabaId: '111', phoneNumberId: '222' };

    const otherCustomer = await mutate(RelaySignupResult, {
      input: { ...input, clientIdentifier: 'relay-someone-else' },
    });
    expect(otherCustomer).toMatchObject({ __typename: 'InvalidInput', field: 'clientIdentifier' });
    expect(otherCustomer.message).toMatch(/another customer/i);

    const otherProject = await mutate(RelaySignupResult, {
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
    const relayed = await mutate(RelaySignupResult, {
      input: { onboardingId: o.id, status: 'FAILED', message: 'The customer closed the window.' },
    });
    expect(relayed.__typename).toBe('RelaySignupResultSuccess');
    expect(relayed.onboarding!.status).toBe('ACTION_REQUIRED');
    expect(relayed.onboarding!.actionRequired).toMatchObject({ step: 'CUSTOMER_SIGNUP' });
    expect(relayed.onboarding!.signup).toMatchObject({ status: 'FAILED', source: 'RELAY' });
  });
});
