// A customer whose onboarding is over starts again: onboardCustomer makes a new attempt (its own
// Sinch subproject, SendZen's project asked for again with the new attempt's webhook URL), the
// earlier attempts stay readable as the customer's history, and concurrent starts make one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import {
  CancelOnboarding,
  LookUpOnboarding,
  OnboardCustomer,
  type OnboardCustomerPayload,
  type OnboardingView,
  ReadAttempts,
  ReadOnboarding,
} from '../support/operations.ts';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t.close());

async function onboard(
  clientIdentifier: string,
  extra: Record<string, unknown> = {},
): Promise<OnboardCustomerPayload> {
  const res = await t.gql(OnboardCustomer, {
    input: { clientIdentifier, displayName: `Shop ${clientIdentifier}`, region: 'EU', ...extra },
  });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.onboardCustomer;
}

async function cancel(id: string): Promise<OnboardingView> {
  const res = await t.gql(CancelOnboarding, { id });
  expect(res.body.data!.cancelOnboarding.__typename).toBe('CancelOnboardingSuccess');
  return res.body.data!.cancelOnboarding.onboarding!;
}

async function attempts(id: string, authorization?: string) {
  const res = await t.gql(ReadAttempts, { id }, authorization);
  return res;
}

const events = (o: { events: { edges: { node: { type: string; message: string } }[] } }) =>
  o.events.edges.map((e) => e.node);

/** What the fake was asked to create for the onboarding: subprojects labelled with its id. */
async function subprojectCreates(onboardingId: string) {
  const raw = rawOnboardingId(onboardingId);
  const entries = await t.sandbox.journal('subprojects');
  return entries.filter(
    (e) =>
      e.direction === 'inbound' &&
      e.method === 'POST' &&
      (e.requestBody as { labels?: Record<string, string> } | undefined)?.labels?.[
        'gateway-onboarding-id'
      ] === raw,
  );
}

describe('starting a customer again', () => {
  it('after a cancel: a new attempt with its own subproject, which reaches READY, while the cancelled one stays readable as history', async () => {
    const clientIdentifier = 'again-cancelled';
    const first = await onboard(clientIdentifier);
    expect(first).toMatchObject({ created: true, onboarding: { attempt: 1 } });
    const one = await t.waitForOnboarding(first.onboarding.id, (o) => o.subprojectId !== null);
    await cancel(one.id);

    const second = await onboard(clientIdentifier);
    expect(second.created).toBe(true);
    expect(second.onboarding.id).not.toBe(one.id);
    expect(second.onboarding).toMatchObject({
      attempt: 2,
      clientIdentifier,
      status: 'AWAITING_SIGNUP',
      cancelledAt: null,
      // SendZen answers the same project for the same customer, with a fresh link.
      sendzenProjectId: one.sendzenProjectId,
    });
    expect(second.onboarding.iframeUrl).not.toBeNull();
    expect(second.onboarding.iframeUrl).not.toBe(one.iframeUrl);
    expect(events(second.onboarding)[0]).toMatchObject({
      type: 'onboarding.created',
      message: expect.stringContaining('attempt 2, after attempt 1 was CANCELLED'),
    });

    const two = await t.waitForOnboarding(second.onboarding.id, (o) => o.subprojectId !== null);
    expect(two.subprojectId).not.toBe(one.subprojectId);
    expect(await subprojectCreates(two.id)).toHaveLength(1);
    expect(await subprojectCreates(one.id)).toHaveLength(1);

    await t.sandbox.control('POST', '/sendzen/signups', { clientIdentifier, status: 'completed' });
    // SendZen posted it to the URL the new attempt handed it (the fake journals that URL
    // redacted): the new attempt heard it from the webhook, the cancelled one did not.
    const ready = await t.waitForOnboarding(two.id, (o) => o.status === 'READY');
    expect(ready.signup).toMatchObject({ status: 'COMPLETED', source: 'WEBHOOK' });

    // The cancelled attempt is as it was, and says what replaced it.
    const old = await t.onboarding(one.id);
    expect(old).toMatchObject({ status: 'CANCELLED', attempt: 1, signup: null });
    expect(events(old).at(-1)).toMatchObject({
      type: 'onboarding.started_again',
      message: expect.stringContaining('attempt 2 replaces this one'),
    });

    const history = await attempts(two.id);
    expect(history.body.errors).toBeUndefined();
    expect(history.body.data!.onboarding).toMatchObject({
      id: two.id,
      attempt: 2,
      status: 'READY',
      previousAttempts: [{ id: one.id, attempt: 1, status: 'CANCELLED' }],
    });
    expect((await attempts(one.id)).body.data!.onboarding!.previousAttempts).toEqual([]);

    // READY is the customer's onboarding now: onboarding again answers with it, startAgain or not.
    for (const startAgain of [false, true]) {
      const again = await onboard(clientIdentifier, { startAgain });
      expect(again.created).toBe(false);
      expect(again.onboarding).toMatchObject({ id: two.id, attempt: 2, status: 'READY' });
    }
  });

  it('after a failed signup: the failed onboarding is returned unless startAgain, which cancels it and starts attempt 2', async () => {
    const clientIdentifier = 'again-failed';
    const first = await onboard(clientIdentifier);
    // Everything before the signup done, so nothing else moves the failed onboarding on.
    await t.waitForOnboarding(first.onboarding.id, (o) =>
      o.steps.some((s) => s.name === 'PROVISIONING_WEBHOOK' && s.status === 'SUCCEEDED'),
    );
    await t.sandbox.control('POST', '/sendzen/signups', { clientIdentifier, status: 'failed' });
    const failed = await t.waitForOnboarding(
      first.onboarding.id,
      (o) => o.status === 'ACTION_REQUIRED',
    );
    expect(failed.actionRequired).toMatchObject({ step: 'CUSTOMER_SIGNUP', retryable: true });

    // Without startAgain the failed one may still be retried: it is returned as it is.
    const same = await onboard(clientIdentifier);
    expect(same.created).toBe(false);
    expect(same.onboarding).toMatchObject({ id: failed.id, status: 'ACTION_REQUIRED' });
    expect(same.onboarding.version).toBe(failed.version);

    const second = await onboard(clientIdentifier, { startAgain: true });
    expect(second.created).toBe(true);
    expect(second.onboarding).toMatchObject({ attempt: 2, status: 'AWAITING_SIGNUP' });
    expect(second.onboarding.id).not.toBe(failed.id);

    const old = await t.onboarding(failed.id);
    expect(old.status).toBe('CANCELLED');
    expect(old.steps.every((s) => s.nextAttemptAt === null)).toBe(true);
    expect(events(old).map((e) => e.type)).toEqual(
      expect.arrayContaining(['onboarding.cancelled', 'onboarding.started_again']),
    );
    expect(events(old).find((e) => e.type === 'onboarding.cancelled')!.message).toMatch(
      /start again/,
    );

    // The customer signs up again, and only the new attempt hears of it.
    await t.sandbox.control('POST', '/sendzen/signups', { clientIdentifier, status: 'completed' });
    await t.waitForOnboarding(second.onboarding.id, (o) => o.status === 'READY');
    expect((await t.onboarding(failed.id)).status).toBe('CANCELLED');

    const history = await attempts(second.onboarding.id);
    expect(history.body.data!.onboarding!.previousAttempts).toMatchObject([
      { id: failed.id, attempt: 1, status: 'CANCELLED' },
    ]);
  });

  it('hears a signup result for the new attempt that is word for word the one the old attempt heard', async () => {
    const clientIdentifier = 'again-same-result';
    const first = await onboard(clientIdentifier);
    await t.waitForOnboarding(first.onboarding.id, (o) => o.subprojectId !== null);
    const failure = { clientIdentifier, status: 'failed', message: 'Meta rejected the number.' };
    await t.sandbox.control('POST', '/sendzen/signups', failure);
    await t.waitForOnboarding(first.onboarding.id, (o) => o.status === 'ACTION_REQUIRED');

    const second = await onboard(clientIdentifier, { startAgain: true });
    await t.waitForOnboarding(second.onboarding.id, (o) => o.subprojectId !== null);
    // The same project, customer and message: the same body SendZen posted before, to a new URL.
    await t.sandbox.control('POST', '/sendzen/signups', failure);
    const failedAgain = await t.waitForOnboarding(
      second.onboarding.id,
      (o) => o.status === 'ACTION_REQUIRED',
    );
    expect(failedAgain.signup).toMatchObject({
      status: 'FAILED',
      source: 'WEBHOOK',
      message: 'Meta rejected the number.',
    });
  });

  it('makes one new attempt however many requests start it at once', async () => {
    const clientIdentifier = 'again-concurrent';
    const first = await onboard(clientIdentifier);
    await cancel(first.onboarding.id);

    const answers = await Promise.all(Array.from({ length: 5 }, () => onboard(clientIdentifier)));
    const ids = new Set(answers.map((a) => a.onboarding.id));
    expect(ids.size).toBe(1);
    expect(ids.has(first.onboarding.id)).toBe(false);
    expect(answers.filter((a) => a.created)).toHaveLength(1);
    expect(answers.every((a) => a.onboarding.attempt === 2)).toBe(true);

    const [id] = [...ids] as [string];
    await t.waitForOnboarding(id, (o) => o.subprojectId !== null);
    expect(await subprojectCreates(id)).toHaveLength(1);
    const history = await attempts(id);
    expect(history.body.data!.onboarding!.previousAttempts.map((a) => a.id)).toEqual([
      first.onboarding.id,
    ]);
  });

  it('gives the new attempt’s session token that attempt only: not the earlier ones, nor the history', async () => {
    const clientIdentifier = 'again-session';
    const first = await onboard(clientIdentifier);
    await cancel(first.onboarding.id);
    const second = await onboard(clientIdentifier);
    expect(second.created).toBe(true);
    const session = `Bearer ${second.sessionToken}`;

    const own = await t.gql(ReadOnboarding, { id: second.onboarding.id }, session);
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data!.onboarding).toMatchObject({ id: second.onboarding.id, attempt: 2 });

    // The earlier attempt is "not found" to it, like an id that does not exist.
    const earlier = await t.gql(LookUpOnboarding, { id: first.onboarding.id }, session);
    expect(earlier.body.errors).toBeUndefined();
    expect(earlier.body.data!.onboarding).toBeNull();

    const history = await attempts(second.onboarding.id, session);
    expect(history.body.errors).toEqual([
      expect.objectContaining({
        message: 'This credential may not use Onboarding.previousAttempts',
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);

    // The earlier attempt's own token ended with its cancel.
    const old = await t.gql(
      LookUpOnboarding,
      { id: first.onboarding.id },
      `Bearer ${first.sessionToken}`,
    );
    expect(old.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
