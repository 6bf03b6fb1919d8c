// The fake's named scenarios, each played through a real onboarding: the gateway onboards a
// customer whose scenario was chosen by the control or by the `sandbox-scenario` label, and each
// ends where a real onboarding with that story would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENDER_ERROR_CODES } from '../../src/upstreams/sinch/contract.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { OnboardCustomer, type OnboardingView, RetryOnboarding } from '../support/operations.ts';
import { until } from '../support/windows.ts';

let t: TestGateway;
beforeAll(async () => {
  // senderActivationMs is every scenario's base delay: short here.
  t = await startTestGateway({ sandbox: { senderActivationMs: 30 } });
});
afterAll(() => t.close());

/** Onboards the customer; `label` chooses the scenario through onboardCustomer's labels. */
async function onboard(clientIdentifier: string, label?: string): Promise<OnboardingView> {
  const res = await t.gql(OnboardCustomer, {
    input: {
      clientIdentifier,
      ...(label ? { labels: [{ key: 'sandbox-scenario', value: label }] } : {}),
    },
  });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.onboardCustomer.onboarding;
}

const choose = (clientIdentifier: string, scenario: string, params?: Record<string, unknown>) =>
  t.sandbox.control('POST', '/scenarios', { clientIdentifier, scenario, params });

/** The customer acts in the iframe as the scenario says. */
const customerActs = (clientIdentifier: string) =>
  t.sandbox.control<{ result: unknown }>('POST', '/sendzen/signups', { clientIdentifier });

const settled = (id: string) =>
  t.waitForOnboarding(id, (o) => o.status === 'READY' || o.status === 'ACTION_REQUIRED');
const step = (o: OnboardingView, name: string) => o.steps.find((s) => s.name === name)!;
const eventTypes = (o: OnboardingView, name?: string) =>
  o.events.edges
    .map((e) => e.node)
    .filter((e) => name === undefined || e.step === name)
    .map((e) => e.type);

async function play(clientIdentifier: string, how: { control?: string; label?: string }) {
  if (how.control) await choose(clientIdentifier, how.control);
  const o = await onboard(clientIdentifier, how.label);
  // A label reaches the fake with the customer's Sinch subproject: the customer acts after that.
  await t.waitForOnboarding(
    o.id,
    (x) =>
      x.iframeUrl !== null &&
      (how.label === undefined || step(x, 'SINCH_SUBPROJECT').status === 'SUCCEEDED'),
  );
  const acted = await customerActs(clientIdentifier);
  return { o, acted };
}

describe('the catalogue', () => {
  it('lists every scenario with what it plays and ends in', async () => {
    const { scenarios } = await t.sandbox.control<{
      scenarios: { name: string; plays: string; endsIn: string }[];
    }>('GET', '/scenarios');
    expect(scenarios.map((s) => s.name)).toEqual([
      'happy',
      'customer-cancels',
      'signup-error',
      'slow-signup',
      'sender-error',
      'pending-verification',
      'rejected',
      'display-name-review',
      'subproject-warmup',
      'sendzen-503-storm',
      'sinch-429',
      'slow-upstream',
    ]);
    for (const s of scenarios) expect(s.plays && s.endsIn).toBeTruthy();
  });

  it('refuses an unknown scenario', async () => {
    await expect(choose('nobody', 'no-such-thing')).rejects.toThrow(/400/);
    await expect(choose('nobody', 'sender-error:NOT_A_CODE')).rejects.toThrow(/400/);
  });
});

describe('scenarios', () => {
  it('happy: READY', async () => {
    const { o } = await play('sc-happy', { control: 'happy' });
    const done = await settled(o.id);
    expect(done.status).toBe('READY');
    expect(done.sender).toMatchObject({ state: 'ACTIVE', hasBearerToken: true });
  });

  it('customer-cancels: ACTION_REQUIRED at CUSTOMER_SIGNUP', async () => {
    const { o } = await play('sc-cancel', { control: 'customer-cancels' });
    const done = await settled(o.id);
    expect(done.actionRequired).toMatchObject({
      step: 'CUSTOMER_SIGNUP',
      code: 'SIGNUP_FAILED',
      message: 'User cancelled the authentication process.',
    });
  });

  it('signup-error: ACTION_REQUIRED at CUSTOMER_SIGNUP with the error message (chosen by label)', async () => {
    const { o } = await play('sc-signup-error', { label: 'signup-error' });
    const done = await settled(o.id);
    expect(done.actionRequired).toMatchObject({ step: 'CUSTOMER_SIGNUP', code: 'SIGNUP_FAILED' });
    expect(done.actionRequired!.message).toMatch(/Embedded Signup failed/);
  });

  it('slow-signup: the result comes late, then READY', async () => {
    await choose('sc-slow-signup', 'slow-signup', { delayMs: 150 });
    const o = await onboard('sc-slow-signup');
    await t.waitForOnboarding(o.id, (x) => x.status === 'AWAITING_SIGNUP');
    const began = performance.now();
    await customerActs('sc-slow-signup');
    expect(performance.now() - began).toBeGreaterThanOrEqual(140);
    expect((await settled(o.id)).status).toBe('READY');
  });

  it.each(SENDER_ERROR_CODES)(
    'sender-error:%s: ACTION_REQUIRED at WHATSAPP_SENDER with that code',
    async (code) => {
      const { o } = await play(`sc-err-${code.toLowerCase()}`, { label: `sender-error:${code}` });
      const done = await settled(o.id);
      expect(done.actionRequired).toMatchObject({
        step: 'WHATSAPP_SENDER',
        code,
        upstream: 'sinch-provisioning',
      });
      expect(done.sender).toMatchObject({ state: 'ERROR', errorCode: code });
    },
  );

  it('sender-error, then the customer fixes it (happy): retryOnboarding reaches READY', async () => {
    const { o } = await play('sc-err-fixed', { control: 'sender-error:NO_PRICING_PLAN' });
    const failed = await settled(o.id);
    expect(failed.actionRequired).toMatchObject({ code: 'NO_PRICING_PLAN' });
    await choose('sc-err-fixed', 'happy');
    const retried = await t.gql(RetryOnboarding, { id: o.id });
    expect(retried.body.errors).toBeUndefined();
    const ready = await t.waitForOnboarding(o.id, (x) => x.status === 'READY');
    expect(ready.sender).toMatchObject({ state: 'ACTIVE' });
    expect(ready.sender!.id).not.toBe(failed.sender!.id);
  });

  it('pending-verification: waits through PENDING_VERIFICATION, then READY', async () => {
    const { o } = await play('sc-pending', { control: 'pending-verification' });
    const done = await settled(o.id);
    expect(done.status).toBe('READY');
    const states = done.events.edges
      .map((e) => e.node)
      .filter((e) => e.type === 'sender.state')
      .map((e) => e.message);
    expect(states.some((m) => /PENDING_VERIFICATION/.test(m))).toBe(true);
    expect(eventTypes(done, 'WHATSAPP_SENDER')).not.toContain('step.failed');
  });

  it('rejected: ACTION_REQUIRED at WHATSAPP_SENDER with the upstream reason', async () => {
    const { o } = await play('sc-rejected', { label: 'rejected' });
    const done = await settled(o.id);
    expect(done.status).toBe('ACTION_REQUIRED');
    expect(done.actionRequired).toMatchObject({
      step: 'WHATSAPP_SENDER',
      code: 'REJECTED',
      upstream: 'sinch-provisioning',
    });
    expect(done.actionRequired!.message).toMatch(/rejected/i);
  });

  it('display-name-review: DISPLAY_NAME_IN_REVIEW while the name is reviewed (not a failure), READY once APPROVED', async () => {
    const { o } = await play('sc-display-name', { control: 'display-name-review' });
    const review = await t.waitForOnboarding(
      o.id,
      (v) => v.status === 'DISPLAY_NAME_IN_REVIEW' || v.status === 'READY',
    );
    expect(review.actionRequired).toBeNull();
    const done = await settled(o.id);
    expect(done.status).toBe('READY');
    expect(eventTypes(done)).toContain('sender.state');
    // The fake's sender: ACTIVE with its display name PENDING, then APPROVED.
    const displayName = () =>
      t.sandbox
        .control<{
          records: {
            senders: { id: string; metadata?: { displayName: { status: string } } }[];
          };
        }>('GET', '/state')
        .then((s) => s.records.senders.find((x) => x.id === done.sender!.id)?.metadata);
    const approved = await until(async () => {
      const m = await displayName();
      return m?.displayName.status === 'APPROVED' ? m : undefined;
    });
    expect(approved.displayName).toEqual({ value: 'sc-display-name', status: 'APPROVED' });
  });

  it('subproject-warmup: the gateway retries the 404s and reaches READY', async () => {
    await choose('sc-warmup', 'subproject-warmup', { delayMs: 1000 });
    const { o } = await play('sc-warmup', {});
    const done = await settled(o.id);
    expect(done.status).toBe('READY');
    expect(step(done, 'PROVISIONING_WEBHOOK').attempts).toBeGreaterThan(1);
    expect(eventTypes(done, 'PROVISIONING_WEBHOOK')).toContain('step.retrying');
    const refused = (await t.sandbox.journal('provisioning')).filter(
      (e) => e.direction === 'inbound' && e.status === 404 && e.path?.includes(done.subprojectId!),
    );
    expect(refused.length).toBeGreaterThan(0);
  });

  it('sendzen-503-storm: SENDZEN_PROJECT retries through the storm, then READY', async () => {
    await choose('sc-storm', 'sendzen-503-storm', { times: 5 });
    const o = await onboard('sc-storm');
    const awaiting = await t.waitForOnboarding(o.id, (x) => x.iframeUrl !== null);
    expect(eventTypes(awaiting, 'SENDZEN_PROJECT')).toContain('step.retrying');
    await customerActs('sc-storm');
    expect((await settled(o.id)).status).toBe('READY');
    const answers = (await t.sandbox.journal('sendzen'))
      .filter((e) => e.direction === 'inbound' && e.path === '/v1/partner/onboard')
      .map((e) => e.status);
    expect(answers.filter((s) => s === 503)).toHaveLength(5);
  });

  it('sinch-429: Provisioning and Conversation 429 with Retry-After, honoured; READY', async () => {
    const { o } = await play('sc-429', { control: 'sinch-429' });
    const done = await settled(o.id);
    expect(done.status).toBe('READY');
    const limited = (await t.sandbox.journal()).filter(
      (e) => e.direction === 'inbound' && e.status === 429 && e.path?.includes(done.subprojectId!),
    );
    expect(limited.length).toBeGreaterThanOrEqual(2);
  });

  it('slow-upstream: every call for the customer answers late; READY', async () => {
    await choose('sc-slow', 'slow-upstream', { delayMs: 50 });
    const { o } = await play('sc-slow', {});
    expect((await settled(o.id)).status).toBe('READY');
  });
});
