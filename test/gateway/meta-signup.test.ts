// The second signup path: the vendor's page runs Meta's Embedded Signup and relays Meta's
// WA_EMBEDDED_SIGNUP message with FB.login's authorization code. Every event Meta sends is played
// here as the page relays it, over HTTP, with the onboarding's session token; the fake's Sinch
// verifies the code on the sender create, as Sinch does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import {
  OnboardCustomer,
  type OnboardingView,
  type Outcome,
  ReadOnboarding,
  RelayMetaSignup,
  RelaySignupResult,
  RetryOnboarding,
  type StepName,
} from '../support/operations.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());

const stepOf = (o: OnboardingView, name: StepName) => o.steps.find((s) => s.name === name);
const eventTypes = (o: OnboardingView) => o.events.edges.map((e) => e.node.type);

/** A Meta-path onboarding, once its subproject and provisioning webhook are in place. */
async function onboardOnMeta(clientIdentifier: string, extra: Record<string, unknown> = {}) {
  const res = await t.gql(OnboardCustomer, {
    input: {
      clientIdentifier,
      displayName: `Shop ${clientIdentifier}`,
      region: 'EU',
      signupPath: 'META_EMBEDDED_SIGNUP',
      ...extra,
    },
  });
  expect(res.body.errors).toBeUndefined();
  const { onboarding, sessionToken } = res.body.data!.onboardCustomer;
  await t.waitForOnboarding(
    onboarding.id,
    (o) => stepOf(o, 'PROVISIONING_WEBHOOK')?.status === 'SUCCEEDED',
  );
  return { onboarding, session: `Bearer ${sessionToken}` };
}

/** A code as Meta's FB.login hands the page one (the fake issues it, bound to the ids). */
async function metaCode(ids: { wabaId: string; phoneNumberId?: string }): Promise<string> {
  const { code } = await t.sandbox.control<{ code: string }>('POST', '/meta/codes', ids);
  return code;
}

/** Meta's message, as the page receives it from Meta's origin: a JSON string. */
function message(event: string, data: Record<string, unknown>): string {
  return JSON.stringify({ type: 'WA_EMBEDDED_SIGNUP', event, data, version: 3 });
}

async function relay(
  id: string,
  session: string,
  input: { message: string; code?: string },
): Promise<Outcome<{ onboarding: OnboardingView }>> {
  const res = await t.gql(RelayMetaSignup, { input: { onboardingId: id, ...input } }, session);
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.relayMetaSignup;
}

async function read(id: string): Promise<OnboardingView> {
  const res = await t.gql(ReadOnboarding, { id });
  return res.body.data!.onboarding!;
}

/** Sender creates the fake received for a phone number id, with what they carried. */
async function senderCreates(phoneNumberId: string) {
  return (await t.sandbox.journal('provisioning')).filter(
    (e) =>
      e.direction === 'inbound' &&
      e.method === 'POST' &&
      /\/whatsapp\/senders$/.test(e.path ?? '') &&
      (e.requestBody as { phoneNumberId?: string } | undefined)?.phoneNumberId === phoneNumberId,
  );
}

let ids = 700_000_000_000_000;
/** Fresh numeric ids: a phone number id is Sinch's to give out once. */
function newIds() {
  ids += 2;
  return { wabaId: String(ids), phoneNumberId: String(ids + 1) };
}

describe('starting on Meta’s path', () => {
  it('has no SendZen step or iframe, and hands the page what it needs to launch Embedded Signup, from the gateway’s configuration', async () => {
    const { onboarding } = await onboardOnMeta('meta-launch');
    expect(onboarding.signupPath).toBe('META_EMBEDDED_SIGNUP');
    expect(onboarding.iframeUrl).toBeNull();
    expect(onboarding.sendzenProjectId).toBeNull();
    expect(onboarding.steps.map((s) => s.name)).toEqual([
      'SINCH_SUBPROJECT',
      'PROVISIONING_WEBHOOK',
      'CUSTOMER_SIGNUP',
      'WHATSAPP_SENDER',
      'CONVERSATION_APP',
      'APP_WEBHOOK',
    ]);
    const launch = onboarding.metaSignupLaunch!;
    // The sandbox's stand-in for Meta's SDK, served by the fake from an origin of its own.
    const origin = new URL(t.sandbox.urls.meta).origin;
    expect(launch.sdkUrl).toBe(`${origin}/sdk.js`);
    expect(launch.messageOrigins).toEqual([origin]);
    expect(launch.appId).toMatch(/^\d+$/);
    expect(launch.configId).toMatch(/^\d+$/);
    const now = await read(onboarding.id);
    expect(stepOf(now, 'CUSTOMER_SIGNUP')).toMatchObject({
      status: 'WAITING',
      waitingFor: expect.stringMatching(/Meta's Embedded Signup on the vendor's page/),
    });
    // The SendZen path's relay is not this path's.
    const wrong = await t.gql(RelaySignupResult, {
      input: { onboardingId: onboarding.id, status: 'COMPLETED', ...newIds() },
    });
    expect(wrong.body.data!.relaySignupResult).toMatchObject({
      __typename: 'InvalidInput',
      field: 'onboardingId',
      message: expect.stringMatching(/relayMetaSignup/),
    });
  });

  it('is the SendZen path by default, which refuses Meta’s messages', async () => {
    const res = await t.gql(OnboardCustomer, { input: { clientIdentifier: 'meta-default' } });
    const { onboarding, sessionToken } = res.body.data!.onboardCustomer;
    expect(onboarding.signupPath).toBe('SENDZEN');
    expect(onboarding.metaSignupLaunch).toBeNull();
    const refused = await relay(onboarding.id, `Bearer ${sessionToken}`, {
      message: message('FINISH', { waba_id: '1', phone_number_id: '2' }),
      code: 'AQxyz',
    });
    expect(refused).toMatchObject({ __typename: 'InvalidInput', field: 'onboardingId' });
  });
});

describe('FINISH with the authorization code', () => {
  it('provisions at once, hands Sinch the code as authenticationCode, and reaches READY; the code never comes back', async () => {
    const { onboarding, session } = await onboardOnMeta('meta-finish');
    const signedUp = newIds();
    const code = await metaCode(signedUp);
    const relayed = await relay(onboarding.id, session, {
      message: message('FINISH', {
        waba_id: signedUp.wabaId,
        phone_number_id: signedUp.phoneNumberId,
        business_id: '2729063490586005',
      }),
      code,
    });
    expect(relayed.__typename).toBe('RelayMetaSignupSuccess');
    expect(JSON.stringify(relayed)).not.toContain(code);
    const shown = relayed.onboarding!;
    expect(shown.signup).toMatchObject({ status: 'COMPLETED', source: 'RELAY', ...signedUp });
    expect(stepOf(shown, 'CUSTOMER_SIGNUP')!.status).toBe('SUCCEEDED');
    // The launch is over once the signup succeeded.
    expect(shown.metaSignupLaunch).toBeNull();

    const ready = await t.waitForOnboarding(
      onboarding.id,
      (o) => o.status !== 'PROVISIONING' && o.status !== 'AWAITING_SIGNUP',
    );
    expect(ready.status).toBe('READY');
    expect(ready.phoneNumbers).toEqual([
      expect.objectContaining({
        phoneNumberId: signedUp.phoneNumberId,
        first: true,
        status: 'READY',
      }),
    ]);
    const creates = await senderCreates(signedUp.phoneNumberId);
    expect(creates).toHaveLength(1);
    expect(creates[0]!.requestBody).toMatchObject({ wabaId: signedUp.wabaId });
    // The journal scrubs the code it was handed: that it was there is all a reader learns.
    expect(
      (creates[0]!.requestBody as { authenticationCode?: string }).authenticationCode,
    ).toBeTruthy();
  });

  it('is refused without the code, and changes nothing', async () => {
    const { onboarding, session } = await onboardOnMeta('meta-no-code');
    const before = await read(onboarding.id);
    const refused = await relay(onboarding.id, session, {
      message: message('FINISH', { waba_id: '11', phone_number_id: '12' }),
    });
    expect(refused).toMatchObject({
      __typename: 'InvalidInput',
      field: 'code',
      message: expect.stringMatching(/authorization code is required/),
    });
    const after = await read(onboarding.id);
    expect(after.version).toBe(before.version);
    expect(after.signup).toBeNull();
  });

  it('with a code Meta never issued: Sinch refuses the sender and nothing is made; the page relays a fresh code and the same onboarding goes on to READY', async () => {
    const { onboarding, session } = await onboardOnMeta('meta-forged');
    const signedUp = newIds();
    const forged = await relay(onboarding.id, session, {
      message: message('FINISH', {
        waba_id: signedUp.wabaId,
        phone_number_id: signedUp.phoneNumberId,
      }),
      code: 'AQforgedcodethatmetaneverissued',
    });
    expect(forged.__typename).toBe('RelayMetaSignupSuccess');
    const failed = await t.waitForOnboarding(onboarding.id, (o) => o.status === 'ACTION_REQUIRED');
    expect(failed.actionRequired).toMatchObject({
      step: 'WHATSAPP_SENDER',
      code: 'invalid_facebook_token',
    });
    expect(failed.sender).toBeNull();

    // The code expired or was refused: the page runs FB.login again and relays the new one.
    const fresh = await metaCode(signedUp);
    const again = await relay(onboarding.id, session, {
      message: message('FINISH', {
        waba_id: signedUp.wabaId,
        phone_number_id: signedUp.phoneNumberId,
      }),
      code: fresh,
    });
    expect(again.__typename).toBe('RelayMetaSignupSuccess');
    expect(eventTypes(again.onboarding!)).toContain('signup.code_renewed');
    const ready = await t.waitForOnboarding(onboarding.id, (o) => o.status === 'READY');
    expect(ready.sender?.phoneNumberId).toBe(signedUp.phoneNumberId);
  });
});

describe('the other events', () => {
  it('FINISH_ONLY_WABA: the onboarding waits for a number instead of failing, and the first number added provisions it', async () => {
    const { onboarding, session } = await onboardOnMeta('meta-only-waba');
    const { wabaId, phoneNumberId } = newIds();
    const relayed = await relay(onboarding.id, session, {
      message: message('FINISH_ONLY_WABA', { waba_id: wabaId }),
      code: await metaCode({ wabaId }),
    });
    const shown = relayed.onboarding!;
    expect(shown.status).toBe('AWAITING_PHONE_NUMBER');
    expect(shown.signup).toMatchObject({ status: 'COMPLETED', wabaId, phoneNumberId: null });
    expect(shown.phoneNumbers).toEqual([]);
    const waiting = await t.waitForOnboarding(
      onboarding.id,
      (o) => stepOf(o, 'WHATSAPP_SENDER')?.status === 'WAITING',
    );
    expect(waiting.status).toBe('AWAITING_PHONE_NUMBER');
    expect(stepOf(waiting, 'WHATSAPP_SENDER')!.waitingFor).toMatch(/addPhoneNumber/);

    const { AddPhoneNumber } = await import('../support/operations.ts');
    const added = await t.gql(AddPhoneNumber, { id: onboarding.id, phoneNumberId });
    expect(added.body.data!.addPhoneNumber.__typename).toBe('AddPhoneNumberSuccess');
    const ready = await t.waitForOnboarding(onboarding.id, (o) => o.status === 'READY');
    expect(ready.phoneNumbers).toEqual([
      expect.objectContaining({ phoneNumberId, first: true, status: 'READY' }),
    ]);
    expect(ready.signup?.phoneNumberId).toBe(phoneNumberId);
  });

  it('FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING: records that the number stays on the WhatsApp Business app, and provisions it', async () => {
    const { onboarding, session } = await onboardOnMeta('meta-coexistence');
    const signedUp = newIds();
    const relayed = await relay(onboarding.id, session, {
      message: message('FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING', {
        waba_id: signedUp.wabaId,
        phone_number_id: signedUp.phoneNumberId,
      }),
      code: await metaCode(signedUp),
    });
    expect(relayed.__typename).toBe('RelayMetaSignupSuccess');
    const read = await t.gql(
      /* GraphQL */ `query Coexistence($id: ID!) { onboarding(id: $id) { signup { metaEvent coexistence } } }`,
      { id: onboarding.id },
    );
    expect((read.body.data as { onboarding: { signup: unknown } }).onboarding.signup).toEqual({
      metaEvent: 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING',
      coexistence: true,
    });
    const ready = await t.waitForOnboarding(onboarding.id, (o) => o.status === 'READY');
    expect(ready.sender?.phoneNumberId).toBe(signedUp.phoneNumberId);
  });

  it('CANCEL records the step the customer left at; a later FINISH continues the same onboarding', async () => {
    const { onboarding, session } = await onboardOnMeta('meta-cancel');
    const left = await relay(onboarding.id, session, {
      message: message('CANCEL', { current_step: 'PHONE_NUMBER_SETUP' }),
    });
    const stopped = left.onboarding!;
    expect(stopped.status).toBe('ACTION_REQUIRED');
    expect(stopped.actionRequired).toMatchObject({
      step: 'CUSTOMER_SIGNUP',
      code: 'SIGNUP_CANCELLED',
      upstream: 'meta',
      retryable: true,
      message: expect.stringMatching(/left Meta's Embedded Signup at PHONE_NUMBER_SETUP/),
    });
    const detail = await t.gql(
      /* GraphQL */ `query Left($id: ID!) { onboarding(id: $id) { signup { metaEvent leftAtStep } } }`,
      { id: onboarding.id },
    );
    expect((detail.body.data as { onboarding: { signup: unknown } }).onboarding.signup).toEqual({
      metaEvent: 'CANCEL',
      leftAtStep: 'PHONE_NUMBER_SETUP',
    });

    const signedUp = newIds();
    const finished = await relay(onboarding.id, session, {
      message: message('FINISH', {
        waba_id: signedUp.wabaId,
        phone_number_id: signedUp.phoneNumberId,
      }),
      code: await metaCode(signedUp),
    });
    expect(finished.onboarding!.actionRequired).toBeNull();
    await t.waitForOnboarding(onboarding.id, (o) => o.status === 'READY');
  });

  it('ERROR records Meta’s error; retryOnboarding waits for the customer to launch the flow again', async () => {
    const { onboarding, session } = await onboardOnMeta('meta-error');
    const failed = await relay(onboarding.id, session, {
      message: message('ERROR', {
        error_message: 'The phone number is already registered',
        error_id: '524126',
        session_id: 'f34b6950d7d2',
        timestamp: 1_700_000_000,
      }),
    });
    expect(failed.onboarding!.actionRequired).toMatchObject({
      step: 'CUSTOMER_SIGNUP',
      code: 'META_SIGNUP_ERROR',
      message: expect.stringMatching(/already registered.*524126/),
    });
    const retried = await t.gql(RetryOnboarding, { id: onboarding.id });
    const back = retried.body.data!.retryOnboarding.onboarding!;
    expect(back.status).toBe('AWAITING_SIGNUP');
    expect(stepOf(back, 'CUSTOMER_SIGNUP')!.status).toBe('WAITING');
    expect(back.metaSignupLaunch).not.toBeNull();
  });
});

describe('what the gateway refuses', () => {
  it.each([
    [
      'an unknown event',
      message('FINISH_SOMETHING_NEW', { waba_id: '1' }),
      /Unknown Embedded Signup event "FINISH_SOMETHING_NEW"/,
    ],
    ['text that is not JSON', 'not json at all', /not JSON/],
    [
      'another kind of message',
      JSON.stringify({ type: 'SOMETHING_ELSE', event: 'FINISH' }),
      /not a WA_EMBEDDED_SIGNUP message/,
    ],
    ['a FINISH without its number', message('FINISH', { waba_id: '1' }), /phone_number_id/],
    [
      'ids that are not numeric',
      message('FINISH', { waba_id: 'abc', phone_number_id: '2' }),
      /waba_id must be a numeric id/,
    ],
  ])('%s, with a clear message, changing nothing', async (_what, text, says) => {
    const { onboarding, session } = await onboardOnMeta(
      `meta-refused-${_what.replace(/\W+/g, '-')}`,
    );
    const before = await read(onboarding.id);
    const refused = await relay(onboarding.id, session, { message: text, code: 'AQcode' });
    expect(refused).toMatchObject({ __typename: 'InvalidInput', field: 'message' });
    expect(refused.message).toMatch(says);
    const after = await read(onboarding.id);
    expect(after.version).toBe(before.version);
    expect(after.signup).toBeNull();
  });

  it('a signup that succeeded cannot be replaced by a later message', async () => {
    const { onboarding, session } = await onboardOnMeta('meta-replace');
    const signedUp = newIds();
    await relay(onboarding.id, session, {
      message: message('FINISH', {
        waba_id: signedUp.wabaId,
        phone_number_id: signedUp.phoneNumberId,
      }),
      code: await metaCode(signedUp),
    });
    const other = newIds();
    const later = await relay(onboarding.id, session, {
      message: message('FINISH', { waba_id: other.wabaId, phone_number_id: other.phoneNumberId }),
      code: await metaCode(other),
    });
    expect(later.onboarding!.signup).toMatchObject(signedUp);
    expect(eventTypes(later.onboarding!)).toContain('signup.ignored');
    const cancelLater = await relay(onboarding.id, session, {
      message: message('CANCEL', { current_step: 'WABA_SELECTION' }),
    });
    expect(cancelLater.onboarding!.signup).toMatchObject({ status: 'COMPLETED', ...signedUp });
    expect(await senderCreates(other.phoneNumberId)).toHaveLength(0);
  });

  it('without a session or key, nothing is relayed', async () => {
    const { onboarding } = await onboardOnMeta('meta-anonymous');
    const res = await t.gql(
      RelayMetaSignup,
      { input: { onboardingId: onboarding.id, message: message('CANCEL', {}) } },
      null,
    );
    expect(res.body.data?.relayMetaSignup ?? null).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await read(onboarding.id)).signup).toBeNull();
  });
});
