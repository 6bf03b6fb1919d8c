// What a browser may cause. The vendor's page relays the signup result the iframe posted, with the
// onboarding's session token; anyone holding that token (an XSS on the partner's panel, a hostile
// customer) can relay anything. So a relayed completion is shown at once and creates nothing: the
// gateway waits for a source it can verify, SendZen's webhook (delivered here by the fake over
// HTTP, to the onboarding's secret path), or Meta's authorization code, which Sinch verifies when
// the sender is created with it. Unconfirmed, it asks for action once the window closes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import {
  OnboardCustomer,
  type OnboardingView,
  type Outcome,
  RelaySignupResult,
  RetryOnboarding,
  type StepName,
} from '../support/operations.ts';

/** A window no test run reaches: the gateway whose relays wait for the webhook. */
let t: TestGateway;
/** A window that closes soon, for the relays nobody confirms. */
let short: TestGateway;

beforeAll(async () => {
  [t, short] = await Promise.all([
    startTestGateway(),
    startTestGateway({ env: { SIGNUP_CONFIRMATION_WINDOW_MS: '500' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([t?.close(), short?.close()]);
});

type WithOnboarding = Outcome<{ onboarding: OnboardingView }>;

/** An auto-provisioning onboarding whose subproject and provisioning webhook are in place. */
async function onboardReadyForSignup(g: TestGateway, clientIdentifier: string) {
  const res = await g.gql(OnboardCustomer, {
    input: { clientIdentifier, displayName: `Shop ${clientIdentifier}`, region: 'EU' },
  });
  expect(res.body.errors).toBeUndefined();
  const { onboarding, sessionToken } = res.body.data!.onboardCustomer;
  expect(onboarding.autoProvision).toBe(true);
  await g.waitForOnboarding(
    onboarding.id,
    (o) => stepOf(o, 'PROVISIONING_WEBHOOK').status === 'SUCCEEDED',
  );
  return { ...onboarding, session: `Bearer ${sessionToken}` };
}

const stepOf = (o: OnboardingView, name: StepName) => o.steps.find((s) => s.name === name)!;
const eventTypes = (o: OnboardingView) => o.events.edges.map((e) => e.node.type);

/** Relays as the vendor's page does: with the session token, not the partner's key. */
async function relay(
  g: TestGateway,
  o: { id: string; session: string },
  input: Record<string, unknown>,
): Promise<WithOnboarding> {
  const res = await g.gql(
    RelaySignupResult,
    { input: { onboardingId: o.id, ...input } },
    o.session,
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.relaySignupResult;
}

/** SendZen's webhook, as SendZen sends it once the customer finishes (the fake posts it). */
async function sendzenReports(
  g: TestGateway,
  clientIdentifier: string,
  ids: { wabaId: string; phoneNumberId: string },
) {
  await g.sandbox.control('POST', '/sendzen/signups', {
    clientIdentifier,
    status: 'completed',
    ...ids,
  });
}

/** Every sender create the fake received, and every sender it holds, for these ids. */
async function sinchSenders(g: TestGateway, phoneNumberId: string) {
  const creates = (await g.sandbox.journal('provisioning')).filter(
    (e) =>
      e.direction === 'inbound' &&
      e.method === 'POST' &&
      /\/whatsapp\/senders$/.test(e.path ?? '') &&
      (e.requestBody as { phoneNumberId?: string } | undefined)?.phoneNumberId === phoneNumberId,
  );
  const state = await g.sandbox.control<{
    records: { senders: { id: string; wabaId: string; phoneNumberId: string }[] };
  }>('GET', '/state');
  return {
    creates,
    held: state.records.senders.filter((s) => s.phoneNumberId === phoneNumberId),
  };
}

const settled = (o: OnboardingView) => o.status === 'READY' || o.status === 'ACTION_REQUIRED';

describe('a completion relayed by the browser', () => {
  it('is shown at once, awaiting confirmation, and creates nothing until SendZen’s webhook confirms it; then provisioning reaches READY', async () => {
    const o = await onboardReadyForSignup(t, 'relay-hint');
    const ids = { wabaId: '524126980791429', phoneNumberId: '106540352242922' };

    const relayed = await relay(t, o, { status: 'COMPLETED', ...ids });
    expect(relayed.__typename).toBe('RelaySignupResultSuccess');
    const shown = relayed.onboarding!;
    expect(shown.signup).toEqual({
      status: 'COMPLETED',
      source: 'RELAY',
      ...ids,
      message: null,
      awaitingConfirmation: true,
    });
    expect(shown.status).toBe('AWAITING_SIGNUP');
    const signup = stepOf(shown, 'CUSTOMER_SIGNUP');
    expect(signup.status).toBe('WAITING');
    expect(signup.waitingFor).toMatch(/SendZen's webhook to confirm/);
    expect(signup.nextAttemptAt).not.toBeNull();
    expect(stepOf(shown, 'WHATSAPP_SENDER')).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(eventTypes(shown)).toContain('signup.relayed');

    await sendzenReports(t, o.clientIdentifier, ids);
    const ready = await t.waitForOnboarding(o.id, settled);
    expect(ready.status).toBe('READY');
    expect(ready.signup).toMatchObject({ source: 'WEBHOOK', awaitingConfirmation: false });
    expect(eventTypes(ready)).toEqual(
      expect.arrayContaining(['signup.relayed', 'signup.confirmed', 'signup.completed']),
    );
    // The one sender was made after the confirmation, from the confirmed ids.
    const { creates, held } = await sinchSenders(t, ids.phoneNumberId);
    expect(creates).toHaveLength(1);
    expect(held).toEqual([expect.objectContaining({ ...ids, id: ready.sender!.id })]);
  });

  it('with made-up ids, is overruled by the webhook’s: the sender is made for the customer’s real number, and the log says the two disagreed', async () => {
    const o = await onboardReadyForSignup(t, 'relay-forged-ids');
    const forged = { wabaId: '666666666666661', phoneNumberId: '666666666666662' };
    const real = { wabaId: '524126980791430', phoneNumberId: '106540352242930' };

    await relay(t, o, { status: 'COMPLETED', ...forged });
    await sendzenReports(t, o.clientIdentifier, real);
    const ready = await t.waitForOnboarding(o.id, settled);

    expect(ready.status).toBe('READY');
    expect(ready.sender).toMatchObject(real);
    expect(eventTypes(ready)).toContain('signup.disagreement');
    expect((await sinchSenders(t, forged.phoneNumberId)).creates).toEqual([]);
    expect((await sinchSenders(t, real.phoneNumberId)).held).toHaveLength(1);
  });

  it('nobody confirms: the onboarding turns ACTION_REQUIRED with SIGNUP_NOT_CONFIRMED once the window closes, and nothing was created at Sinch', async () => {
    const o = await onboardReadyForSignup(short, 'relay-never-confirmed');
    const forged = { wabaId: '666666666666671', phoneNumberId: '666666666666672' };

    await relay(short, o, { status: 'COMPLETED', ...forged });
    const stuck = await short.waitForOnboarding(o.id, (x) => x.status === 'ACTION_REQUIRED');

    expect(stuck.actionRequired).toMatchObject({
      step: 'CUSTOMER_SIGNUP',
      code: 'SIGNUP_NOT_CONFIRMED',
      retryable: true,
    });
    expect(stuck.actionRequired!.message).toMatch(/SendZen's webhook has not confirmed it/);
    expect(stuck.sender).toBeNull();
    expect(stepOf(stuck, 'WHATSAPP_SENDER')).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(eventTypes(stuck)).toContain('signup.unconfirmed');
    expect(await sinchSenders(short, forged.phoneNumberId)).toEqual({ creates: [], held: [] });
  });

  it('confirmed after the window closed, still goes on to READY: the webhook always wins', async () => {
    const o = await onboardReadyForSignup(short, 'relay-late-webhook');
    const ids = { wabaId: '524126980791440', phoneNumberId: '106540352242940' };

    await relay(short, o, { status: 'COMPLETED', ...ids });
    await short.waitForOnboarding(o.id, (x) => x.status === 'ACTION_REQUIRED');
    await sendzenReports(short, o.clientIdentifier, ids);

    const ready = await short.waitForOnboarding(o.id, (x) => x.status === 'READY');
    expect(ready.actionRequired).toBeNull();
    expect(ready.sender).toMatchObject(ids);
  });

  it('unconfirmed, is cleared by a retry, which gives the customer a new link to sign up again', async () => {
    const o = await onboardReadyForSignup(short, 'relay-retry');
    await relay(short, o, {
      status: 'COMPLETED',
      wabaId: '666666666666681',
      phoneNumberId: '666666666666682',
    });
    const stuck = await short.waitForOnboarding(o.id, (x) => x.status === 'ACTION_REQUIRED');

    const retried = await short.gql(RetryOnboarding, { id: o.id });
    expect(retried.body.errors).toBeUndefined();
    const after = retried.body.data!.retryOnboarding.onboarding!;
    expect(after.status).toBe('AWAITING_SIGNUP');
    expect(after.signup).toBeNull();
    expect(after.iframeUrl).not.toBe(stuck.iframeUrl);
    expect(stepOf(after, 'CUSTOMER_SIGNUP')).toMatchObject({
      status: 'WAITING',
      nextAttemptAt: null,
      waitingFor: expect.stringMatching(/customer to complete the signup/),
    });
  });
});

describe('a completion relayed with Meta’s authorization code', () => {
  it('goes ahead at once with a code Meta issued for those ids: Sinch verifies it with the sender create, and the onboarding reaches READY', async () => {
    const o = await onboardReadyForSignup(t, 'relay-code-ok');
    const issued = await t.sandbox.control<{ code: string; wabaId: string; phoneNumberId: string }>(
      'POST',
      '/meta/codes',
      {},
    );
    const ids = { wabaId: issued.wabaId, phoneNumberId: issued.phoneNumberId };

    const relayed = await relay(t, o, { status: 'COMPLETED', ...ids, code: issued.code });
    expect(relayed.onboarding!.signup).toMatchObject({ awaitingConfirmation: false });
    expect(stepOf(relayed.onboarding!, 'CUSTOMER_SIGNUP').status).toBe('SUCCEEDED');

    const ready = await t.waitForOnboarding(o.id, settled);
    expect(ready.status).toBe('READY');
    expect(ready.sender).toMatchObject(ids);
    const { creates } = await sinchSenders(t, ids.phoneNumberId);
    expect(creates).toHaveLength(1);
    // Handed over, and never shown: the fake's journal scrubs the customer's code.
    expect(creates[0]!.requestBody).toMatchObject({ authenticationCode: '[REDACTED]' });

    // A later relay without proof cannot replace the verified signup (nor move READY back).
    const other = { wabaId: '666666666666601', phoneNumberId: '666666666666602' };
    const late = await t.gql(RelaySignupResult, {
      input: { onboardingId: o.id, status: 'COMPLETED', ...other },
    });
    expect(late.body.errors).toBeUndefined();
    const after = await t.onboarding(o.id);
    expect(after.status).toBe('READY');
    expect(after.signup).toMatchObject({ ...ids, awaitingConfirmation: false });
    expect(eventTypes(after).at(-1)).toBe('signup.ignored');
  });

  it('with a forged code (or one for other ids), is refused by Sinch: the sender step fails with Sinch’s code and nothing exists at Sinch', async () => {
    const o = await onboardReadyForSignup(t, 'relay-code-forged');
    const forged = { wabaId: '666666666666691', phoneNumberId: '666666666666692' };
    // A real code, but for another customer's number.
    const other = await t.sandbox.control<{ code: string }>('POST', '/meta/codes', {});

    await relay(t, o, { status: 'COMPLETED', ...forged, code: other.code });
    const failed = await t.waitForOnboarding(o.id, settled);

    expect(failed.status).toBe('ACTION_REQUIRED');
    expect(failed.actionRequired).toMatchObject({
      step: 'WHATSAPP_SENDER',
      code: 'invalid_facebook_token',
      retryable: false,
    });
    const { creates, held } = await sinchSenders(t, forged.phoneNumberId);
    expect(creates).toHaveLength(1);
    expect(held).toEqual([]);
    expect(failed.sender).toBeNull();
  });
});
