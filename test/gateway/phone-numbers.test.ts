// More numbers per customer: addPhoneNumber makes another sender on the customer's WABA (the same
// Sinch call, with the WABA the signup shared) and puts its credential on the customer's
// Conversation API app. Each number has its own steps and status, on the onboarding and on the
// subscription; the onboarding's status summarises them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import {
  AddPhoneNumber,
  CancelOnboarding,
  OnboardCustomer,
  type OnboardingView,
  type Outcome,
  ReadOnboarding,
  RetryOnboarding,
  WatchOnboarding,
} from '../support/operations.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());

let next = 800_000_000_000_000;
const newNumber = () => {
  next += 1;
  return String(next);
};

/** A SendZen-path customer taken to READY, as SendZen's webhook reports the signup. */
async function readyCustomer(clientIdentifier: string) {
  const res = await t.gql(OnboardCustomer, {
    input: { clientIdentifier, displayName: `Shop ${clientIdentifier}`, region: 'EU' },
  });
  expect(res.body.errors).toBeUndefined();
  const { onboarding } = res.body.data!.onboardCustomer;
  const wabaId = newNumber();
  const phoneNumberId = newNumber();
  await t.sandbox.control('POST', '/sendzen/signups', {
    clientIdentifier,
    status: 'completed',
    wabaId,
    phoneNumberId,
  });
  const ready = await t.waitForOnboarding(onboarding.id, (o) => o.status === 'READY');
  return { id: onboarding.id, wabaId, phoneNumberId, ready };
}

async function add(
  id: string,
  phoneNumberId: string,
): Promise<Outcome<{ onboarding: OnboardingView }>> {
  const res = await t.gql(AddPhoneNumber, { id, phoneNumberId });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.addPhoneNumber;
}

async function read(id: string): Promise<OnboardingView> {
  return (await t.gql(ReadOnboarding, { id })).body.data!.onboarding!;
}

/** The customer's app as the fake holds it: which senders its credentials name. */
async function appSenders(appId: string): Promise<string[]> {
  const state = await t.sandbox.control<{
    records: {
      conversationApps: {
        id: string;
        channel_credentials: { static_bearer?: { claimed_identity: string } }[];
      }[];
    };
  }>('GET', '/state');
  const app = state.records.conversationApps.find((a) => a.id === appId)!;
  return app.channel_credentials.map((c) => c.static_bearer!.claimed_identity);
}

const numberOf = (o: OnboardingView, phoneNumberId: string) =>
  o.phoneNumbers.find((n) => n.phoneNumberId === phoneNumberId);

describe('adding a number to a READY customer', () => {
  it('makes a sender on the same WABA, puts it on the customer’s app, and shows the number’s own steps live on the subscription', async () => {
    const customer = await readyCustomer('numbers-second');
    const appId = customer.ready.conversationApp!.id;
    const firstSender = customer.ready.sender!.id;
    expect(customer.ready.phoneNumbers).toEqual([
      expect.objectContaining({
        phoneNumberId: customer.phoneNumberId,
        first: true,
        status: 'READY',
      }),
    ]);

    const second = newNumber();
    const added = await add(customer.id, second);
    expect(added.__typename).toBe('AddPhoneNumberSuccess');
    const shown = numberOf(added.onboarding!, second)!;
    expect(shown.first).toBe(false);
    expect(shown.steps.map((s) => [s.name, s.phoneNumberId])).toEqual([
      ['WHATSAPP_SENDER', second],
      ['APP_CHANNEL', second],
    ]);
    // The onboarding's own steps stay as they were; the number's are its own.
    expect(added.onboarding!.steps.every((s) => s.phoneNumberId === null)).toBe(true);

    // Watched from here: the number activates and joins the app, and the summary follows it.
    const sub = await t.sse(WatchOnboarding, { id: customer.id });
    try {
      const seen = await sub.waitFor((v) => v.onboardingUpdated.status === 'READY');
      const ready = seen.onboardingUpdated;
      expect(numberOf(ready, second)).toMatchObject({ status: 'READY' });
      const statuses = sub.values.map((v) => v.onboardingUpdated.status);
      expect(statuses[0]).toBe('PROVISIONING');
      const numberStatuses = sub.values.map((v) => numberOf(v.onboardingUpdated, second)?.status);
      expect(numberStatuses).toContain('PROVISIONING');
      expect(numberStatuses.at(-1)).toBe('READY');
    } finally {
      await sub.close();
    }

    const after = await read(customer.id);
    const secondSender = numberOf(after, second)!.sender!;
    expect(secondSender.phoneNumberId).toBe(second);
    expect(secondSender.state).toBe('ACTIVE');
    // The first number's sender is still the onboarding's sender, and the app carries both.
    expect(after.sender!.id).toBe(firstSender);
    expect(await appSenders(appId)).toEqual([firstSender, secondSender.id]);

    const creates = (await t.sandbox.journal('provisioning')).filter(
      (e) =>
        e.direction === 'inbound' &&
        e.method === 'POST' &&
        (e.requestBody as { phoneNumberId?: string } | undefined)?.phoneNumberId === second,
    );
    expect(creates).toHaveLength(1);
    expect(creates[0]!.requestBody).toMatchObject({ wabaId: customer.wabaId });
    expect(creates[0]!.requestBody).not.toHaveProperty('authenticationCode');

    // A third one joins without dropping the second.
    const third = newNumber();
    await add(customer.id, third);
    const withThree = await t.waitForOnboarding(customer.id, (o) => o.status === 'READY');
    expect(withThree.phoneNumbers.map((n) => [n.phoneNumberId, n.status])).toEqual([
      [customer.phoneNumberId, 'READY'],
      [second, 'READY'],
      [third, 'READY'],
    ]);
    expect(await appSenders(appId)).toHaveLength(3);
  });

  it('adding the same number again, or the first number, returns the onboarding as it is', async () => {
    const customer = await readyCustomer('numbers-repeat');
    const again = await add(customer.id, customer.phoneNumberId);
    expect(again.__typename).toBe('AddPhoneNumberSuccess');
    expect(again.onboarding!.version).toBe(customer.ready.version);
    expect(again.onboarding!.phoneNumbers).toHaveLength(1);

    const second = newNumber();
    await add(customer.id, second);
    await t.waitForOnboarding(customer.id, (o) => o.status === 'READY');
    const repeat = await add(customer.id, second);
    expect(repeat.onboarding!.phoneNumbers.map((n) => n.phoneNumberId)).toEqual([
      customer.phoneNumberId,
      second,
    ]);
  });
});

describe('a number Sinch refuses', () => {
  it('answers PhoneNumberUnavailable with Sinch’s own code, adds nothing, and leaves the customer READY', async () => {
    const other = await readyCustomer('numbers-owner');
    const customer = await readyCustomer('numbers-taker');
    // Another customer's number: Sinch holds it already.
    const refused = await add(customer.id, other.phoneNumberId);
    expect(refused).toMatchObject({
      __typename: 'PhoneNumberUnavailable',
      code: 'used_phone_number_id',
      phoneNumberId: other.phoneNumberId,
    });
    expect(refused.message).toMatch(/Sinch refused phone number/);
    const after = await read(customer.id);
    expect(after.status).toBe('READY');
    expect(after.phoneNumbers.map((n) => n.phoneNumberId)).toEqual([customer.phoneNumberId]);
    expect(after.events.edges.map((e) => e.node.type)).toContain('number.refused');
  });

  it('a number whose sender fails after it was made leaves the onboarding ACTION_REQUIRED, and a retry makes a new sender for it', async () => {
    const customer = await readyCustomer('numbers-rejected');
    const number = newNumber();
    // The next sender the fake makes (this number's) is rejected by Meta.
    await t.sandbox.control('POST', '/sinch/sender-outcomes', {
      state: 'REJECTED',
      errorReason: 'The display name does not match the business',
    });
    await add(customer.id, number);
    const failed = await t.waitForOnboarding(customer.id, (o) => o.status === 'ACTION_REQUIRED');
    expect(numberOf(failed, number)!.status).toBe('ACTION_REQUIRED');
    expect(failed.actionRequired).toMatchObject({ step: 'WHATSAPP_SENDER' });
    // The first number still works: its own steps all succeeded.
    expect(numberOf(failed, customer.phoneNumberId)!.status).toBe('READY');

    await t.gql(RetryOnboarding, { id: customer.id });
    const ready = await t.waitForOnboarding(customer.id, (o) => o.status === 'READY');
    expect(numberOf(ready, number)!.status).toBe('READY');
  });
});

describe('what addPhoneNumber refuses', () => {
  it('a phone number id that is not numeric, as bad input', async () => {
    const customer = await readyCustomer('numbers-bad-input');
    const res = await t.gql(AddPhoneNumber, { id: customer.id, phoneNumberId: '+44 20 7946' });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(res.body.errors)).toMatch(/numeric phone number id/);
  });

  it('before the customer has a WABA, and after a cancel', async () => {
    const res = await t.gql(OnboardCustomer, { input: { clientIdentifier: 'numbers-early' } });
    const { onboarding } = res.body.data!.onboardCustomer;
    const early = await add(onboarding.id, newNumber());
    expect(early).toMatchObject({ __typename: 'PreconditionFailed', step: 'CUSTOMER_SIGNUP' });

    const customer = await readyCustomer('numbers-cancelled');
    await t.gql(CancelOnboarding, { id: customer.id });
    const late = await add(customer.id, newNumber());
    expect(late).toMatchObject({ __typename: 'PreconditionFailed' });
    expect(late.message).toMatch(/cancelled/);
  });

  it('a read-only key', async () => {
    const customer = await readyCustomer('numbers-read-only');
    const reader = await t.keyWith('read');
    const res = await t.gql(
      AddPhoneNumber,
      { id: customer.id, phoneNumberId: newNumber() },
      reader,
    );
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await read(customer.id)).phoneNumbers).toHaveLength(1);
  });
});
