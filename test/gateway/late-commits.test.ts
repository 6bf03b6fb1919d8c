// Creates whose outcome the gateway cannot know. Sinch's creates carry no idempotency key, so the
// gateway must never end up with two of a resource: an answer lost after the create committed is
// looked up and adopted; a create that commits only after the gateway gave up, looked, found
// nothing and created again leaves a second resource, which a later reconciling look removes.
// Faults are played by the fake: `after: commit` runs the create, then spoils its answer; a plain
// delay holds the request past the gateway's timeout and commits it when the delay ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import type { JournalEntry } from '../support/fake.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { OnboardCustomer, type OnboardingView, type StepName } from '../support/operations.ts';
import { until } from '../support/windows.ts';

/** Long enough that only a real hang reaches it. */
const HANG = 120_000;

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({
    env: {
      // Calls give up after a second; a held create commits two seconds after that.
      UPSTREAM_TIMEOUT_MS: '1000',
      // Looks for duplicates 0.5, 1, 2, ... 64 s after the step: whenever the late commit lands,
      // a look comes after it.
      RECONCILE_AFTER_MS: '500',
      RECONCILE_LOOKS: '8',
    },
  });
});
afterAll(() => t.close());

interface FakeState {
  records: {
    subprojects: { subprojectId: string; deleted: boolean; labels?: Record<string, string> }[];
    conversationApps: { id: string; projectId: string }[];
  };
}

const events = (o: OnboardingView) => o.events.edges.map((e) => e.node);
const step = (o: OnboardingView, name: StepName) => o.steps.find((s) => s.name === name)!;

async function onboardAndSignUp(clientIdentifier: string): Promise<string> {
  const res = await t.gql(OnboardCustomer, { input: { clientIdentifier } });
  expect(res.body.errors).toBeUndefined();
  await t.sandbox.control('POST', '/sendzen/signups', { clientIdentifier, status: 'completed' });
  return res.body.data!.onboardCustomer.onboarding.id;
}

const waitFor = (id: string, done: (o: OnboardingView) => boolean) =>
  t.waitForOnboarding(id, done, HANG);
const fakeState = () => t.sandbox.control<FakeState>('GET', '/state');

describe('a create whose answer is lost after it committed', () => {
  it('a malformed answer to the app create: the retry looks first and adopts the app', {
    timeout: HANG,
  }, async () => {
    await t.sandbox.fault({
      upstream: 'conversation',
      method: 'POST',
      path: '/v1/projects/*/apps',
      kind: 'malformed',
      after: 'commit',
    });
    const id = await onboardAndSignUp('malformed-app');
    const ready = await waitFor(id, (o) => o.status === 'READY' || o.status === 'ACTION_REQUIRED');

    expect(ready.status).toBe('READY');
    expect(step(ready, 'CONVERSATION_APP')).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    const appEvents = events(ready).filter((e) => e.step === 'CONVERSATION_APP');
    expect(appEvents.map((e) => e.type)).toContain('step.retrying');
    expect(appEvents.find((e) => e.type === 'step.succeeded')?.message).toMatch(
      /Adopted Conversation API app/,
    );
    const { records } = await fakeState();
    const apps = records.conversationApps.filter((a) => a.projectId === ready.subprojectId);
    expect(apps.map((a) => a.id)).toEqual([ready.conversationApp!.id]);
  });

  it('a subproject create whose connection is reset after it committed is adopted', {
    timeout: HANG,
  }, async () => {
    await t.sandbox.fault({
      upstream: 'subprojects',
      method: 'POST',
      path: '/v1/projects/*/subprojects',
      kind: 'reset',
      after: 'commit',
    });
    const id = await onboardAndSignUp('reset-subproject');
    const ready = await waitFor(id, (o) => o.status === 'READY' || o.status === 'ACTION_REQUIRED');

    expect(ready.status).toBe('READY');
    expect(step(ready, 'SINCH_SUBPROJECT').attempts).toBe(2);
    const { records } = await fakeState();
    const ours = records.subprojects.filter(
      (s) => s.labels?.['gateway-onboarding-id'] === rawOnboardingId(id),
    );
    expect(ours.map((s) => s.subprojectId)).toEqual([ready.subprojectId]);
  });
});

describe('a create that commits after the gateway created again', () => {
  /**
   * Waits for the held create to commit, then for the end state a person must see: one live
   * resource, the one the onboarding holds. When the retry created before the late commit landed
   * (the usual course: the hold outlasts the retry by two seconds), the reconciliation removed
   * the late one and the event log names it; on a machine so loaded that the retry looked only
   * after the late commit, the retry adopted it and there was never a second.
   */
  async function settlesOnOne<R>(
    upstream: 'subprojects' | 'conversation',
    id: string,
    resources: (o: OnboardingView, state: FakeState) => R[],
    idOf: (r: R) => string,
    kept: (o: OnboardingView) => string | null,
    ours: (create: JournalEntry, o: OnboardingView) => boolean,
  ) {
    const creates = async () =>
      (await t.sandbox.journal(upstream)).filter(
        (e) => e.direction === 'inbound' && e.method === 'POST' && e.fault !== undefined,
      );
    await until(async () =>
      (await creates()).some((e) => e.outcome === 'client_gone') ? true : undefined,
    );
    // Settled: one live resource, the onboarding's, and one reconciliation for every create
    // beyond the first that committed (the event is written just after the removal).
    const settled = await until(async () => {
      const o = await t.onboarding(id);
      const live = resources(o, await fakeState());
      const committed = (await t.sandbox.journal(upstream)).filter(
        (e) =>
          e.direction === 'inbound' &&
          e.method === 'POST' &&
          (e.status ?? 0) >= 200 &&
          (e.status ?? 0) < 300 &&
          ours(e, o),
      );
      const reconciled = events(o).filter((e) => e.type === 'step.reconciled');
      return o.status === 'READY' &&
        live.length === 1 &&
        idOf(live[0]!) === kept(o) &&
        committed.length >= 1 &&
        reconciled.length === committed.length - 1
        ? o
        : undefined;
    });
    return settled;
  }

  it('two subprojects for a moment, then the late one is removed and the kept one stays', {
    timeout: HANG,
  }, async () => {
    // Held past the gateway's one-second timeout; the retry finds nothing yet and creates.
    await t.sandbox.fault({
      upstream: 'subprojects',
      method: 'POST',
      path: '/v1/projects/*/subprojects',
      kind: 'delay',
      delayMs: 3_000,
    });
    const id = await onboardAndSignUp('late-subproject');
    const onboarding = await settlesOnOne(
      'subprojects',
      id,
      (_o, state) =>
        state.records.subprojects.filter(
          (s) => s.labels?.['gateway-onboarding-id'] === rawOnboardingId(id) && !s.deleted,
        ),
      (s) => s.subprojectId,
      (o) => o.subprojectId,
      (create) =>
        (create.requestBody as { labels?: Record<string, string> }).labels?.[
          'gateway-onboarding-id'
        ] === rawOnboardingId(id),
    );
    expect(step(onboarding, 'SINCH_SUBPROJECT').attempts).toBeGreaterThanOrEqual(2);
  });

  it('two Conversation apps for a moment, then one', { timeout: HANG }, async () => {
    await t.sandbox.fault({
      upstream: 'conversation',
      method: 'POST',
      path: '/v1/projects/*/apps',
      kind: 'delay',
      delayMs: 3_000,
    });
    const id = await onboardAndSignUp('late-app');
    const onboarding = await settlesOnOne(
      'conversation',
      id,
      (o, state) => state.records.conversationApps.filter((a) => a.projectId === o.subprojectId),
      (a) => a.id,
      (o) => o.conversationApp?.id ?? null,
      (create, o) =>
        /\/apps$/.test(create.path ?? '') && (create.path ?? '').includes(`/${o.subprojectId}/`),
    );
    expect(step(onboarding, 'CONVERSATION_APP').attempts).toBeGreaterThanOrEqual(2);
  });
});
