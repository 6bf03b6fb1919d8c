// After READY: what Sinch reports of the sender since moves the onboarding to a status that says
// which it is, with the reason and what to do. The fake plays each change on a live sender (with
// the signed callback Sinch sends, where Sinch sends one); a suspension and a revoked credential
// have no callback and show when the gateway reads the sender and app (checkSenderHealth). A
// health check that meets a 500 or a timeout changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import {
  OnboardCustomer,
  type OnboardingView,
  SendTestMessage,
  WatchOnboarding,
} from '../support/operations.ts';

let t: TestGateway;
beforeAll(async () => {
  // Short, so a health check against a hanging Sinch gives up soon.
  t = await startTestGateway({ env: { UPSTREAM_TIMEOUT_MS: '1000' } });
});
afterAll(() => t.close());

const HEALTH = /* GraphQL */ `
  fragment HealthView on Onboarding {
    id status
    health { state canSend reason whatToDo qualityRating displayNameStatus checkedAt }
  }
`;
interface HealthView {
  id: string;
  status: string;
  health: {
    state: string;
    canSend: boolean;
    reason: string | null;
    whatToDo: string | null;
    qualityRating: string | null;
    displayNameStatus: string | null;
    checkedAt: string | null;
  } | null;
}

async function readHealth(id: string): Promise<HealthView> {
  const res = await t.gql<{ onboarding: HealthView }>(
    `query Health($id: ID!) { onboarding(id: $id) { ...HealthView } } ${HEALTH}`,
    { id },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.onboarding;
}

async function check(id: string) {
  const res = await t.gql<{
    checkSenderHealth: HealthView & {
      __typename: string;
      message?: string;
      code?: string;
      onboarding?: HealthView;
    };
  }>(
    `mutation Check($id: ID!) { checkSenderHealth(onboardingId: $id) {
      __typename ... on Error { message } ... on UpstreamFailure { code upstream }
      ... on CheckSenderHealthSuccess { onboarding { ...HealthView } } } } ${HEALTH}`,
    { id },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.checkSenderHealth;
}

let ids = 900_000_000_000_000;
async function readyCustomer(clientIdentifier: string): Promise<OnboardingView> {
  const res = await t.gql(OnboardCustomer, { input: { clientIdentifier, region: 'EU' } });
  const { onboarding } = res.body.data!.onboardCustomer;
  ids += 2;
  await t.sandbox.control('POST', '/sendzen/signups', {
    clientIdentifier,
    status: 'completed',
    wabaId: String(ids),
    phoneNumberId: String(ids + 1),
  });
  return t.waitForOnboarding(onboarding.id, (o) => o.status === 'READY');
}

/** Waits (on the subscription) for the onboarding to reach `status`. */
async function until(id: string, status: string): Promise<HealthView> {
  const sub = await t.sse(WatchOnboarding, { id });
  try {
    await sub.waitFor((v) => v.onboardingUpdated.status === status);
  } finally {
    await sub.close();
  }
  return readHealth(id);
}

const health = (senderId: string, change: Record<string, unknown>) =>
  t.sandbox.control('POST', `/sinch/senders/${senderId}/health`, change);

describe('changes Sinch announces with a callback', () => {
  it('a quality rating going RED is QUALITY_LOW, with what to do; back to GREEN is READY again', async () => {
    const o = await readyCustomer('health-quality');
    expect((await readHealth(o.id)).health).toMatchObject({ state: 'HEALTHY', canSend: true });
    await health(o.sender!.id, { qualityRating: 'RED' });
    const low = await until(o.id, 'QUALITY_LOW');
    expect(low.health).toMatchObject({
      state: 'QUALITY_LOW',
      canSend: true,
      qualityRating: 'RED',
      whatToDo: expect.stringMatching(/Send only what recipients asked for/),
    });
    await health(o.sender!.id, { qualityRating: 'GREEN' });
    const back = await until(o.id, 'READY');
    expect(back.health).toMatchObject({ state: 'HEALTHY', qualityRating: 'GREEN' });
  });

  it('a display name in review is not a failure; a rejection says Meta’s reason; an approval is READY', async () => {
    const o = await readyCustomer('health-display-name');
    await health(o.sender!.id, { displayName: 'PENDING' });
    const review = await until(o.id, 'DISPLAY_NAME_IN_REVIEW');
    expect(review.health).toMatchObject({ canSend: true, displayNameStatus: 'PENDING' });
    await health(o.sender!.id, {
      displayName: 'REJECTED',
      rejectionReason: 'The display name does not match the business name.',
    });
    const rejected = await until(o.id, 'DISPLAY_NAME_REJECTED');
    expect(rejected.health).toMatchObject({
      reason: 'The display name does not match the business name.',
      whatToDo: expect.stringMatching(/display name guidelines/),
    });
    await health(o.sender!.id, { displayName: 'APPROVED' });
    await until(o.id, 'READY');
  });

  it('a sender made INACTIVE is SENDER_INACTIVE, and says it cannot send', async () => {
    const o = await readyCustomer('health-inactive');
    await t.sandbox.control('POST', `/sinch/senders/${o.sender!.id}/state`, { state: 'INACTIVE' });
    const inactive = await until(o.id, 'SENDER_INACTIVE');
    expect(inactive.health).toMatchObject({ canSend: false, whatToDo: expect.any(String) });
  });
});

describe('changes only a health check finds', () => {
  it('a suspension shows once the gateway reads the sender', async () => {
    const o = await readyCustomer('health-suspended');
    await t.sandbox.control('POST', `/sinch/senders/${o.sender!.id}/state`, { state: 'SUSPENDED' });
    // No callback exists for it: the onboarding still says READY until it looks.
    expect((await readHealth(o.id)).status).toBe('READY');
    const checked = await check(o.id);
    expect(checked.__typename).toBe('CheckSenderHealthSuccess');
    expect(checked.onboarding).toMatchObject({
      status: 'SENDER_SUSPENDED',
      health: {
        state: 'SENDER_SUSPENDED',
        canSend: false,
        whatToDo: expect.stringMatching(/appeal/),
      },
    });
  });

  it('a revoked credential is CREDENTIAL_REVOKED, with Sinch’s description', async () => {
    const o = await readyCustomer('health-revoked');
    await health(o.sender!.id, { revokeToken: true });
    const checked = await check(o.id);
    expect(checked.onboarding).toMatchObject({
      status: 'CREDENTIAL_REVOKED',
      health: {
        state: 'CREDENTIAL_REVOKED',
        canSend: false,
        reason: 'The token does not match the WhatsApp sender.',
      },
    });
    expect(checked.onboarding!.health!.checkedAt).not.toBeNull();
  });

  it('a Sinch that answers 500 or never answers marks nothing: the answer is UpstreamFailure and the onboarding stays READY', async () => {
    const o = await readyCustomer('health-flaky');
    const faults = [
      { upstream: 'conversation', method: 'GET', kind: 'status', status: 500, probability: 1 },
      { upstream: 'conversation', method: 'GET', kind: 'hang', probability: 1 },
    ];
    for (const fault of faults) {
      await t.sandbox.control('POST', '/faults', fault);
      const failed = await check(o.id);
      expect(failed.__typename).toBe('UpstreamFailure');
      await t.sandbox.control('DELETE', '/faults');
      const after = await readHealth(o.id);
      expect(after.status).toBe('READY');
      expect(after.health).toMatchObject({ state: 'HEALTHY', checkedAt: null });
    }
    // And once Sinch answers, the check goes through.
    expect((await check(o.id)).onboarding!.health!.checkedAt).not.toBeNull();
  });
});

describe('sending a test message', () => {
  it('still goes out under a warning (quality low), and is refused once the credential is revoked', async () => {
    const o = await readyCustomer('health-send');
    await health(o.sender!.id, { qualityRating: 'RED' });
    await until(o.id, 'QUALITY_LOW');
    const sent = await t.gql(SendTestMessage, { id: o.id, to: '+46701234567', text: 'Hello' });
    expect(sent.body.data!.sendTestMessage.__typename).toBe('SendTestMessageSuccess');

    await health(o.sender!.id, { revokeToken: true });
    expect((await check(o.id)).onboarding!.status).toBe('CREDENTIAL_REVOKED');
    const refused = await t.gql(SendTestMessage, { id: o.id, to: '+46701234567', text: 'Hello' });
    expect(refused.body.data!.sendTestMessage).toMatchObject({
      __typename: 'PreconditionFailed',
      message: expect.stringMatching(/CREDENTIAL_REVOKED/),
    });
  });
});

describe('what checkSenderHealth refuses', () => {
  it('before the customer has a sender', async () => {
    const res = await t.gql(OnboardCustomer, { input: { clientIdentifier: 'health-early' } });
    const early = await check(res.body.data!.onboardCustomer.onboarding.id);
    expect(early.__typename).toBe('PreconditionFailed');
  });
});
