// Creates whose outcome the gateway cannot know. Sinch's creates carry no idempotency key, so the
// gateway must never end up with two of a resource: an answer lost after the create committed is
// looked up and adopted; a create that commits only after the gateway gave up, looked, found
// nothing and created again leaves a second resource, which a later reconciling look removes.
// Faults are played by the fake: `after: commit` runs the create, then spoils its answer; a plain
// delay holds the request past the gateway's timeout and commits it when the delay ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { OnboardCustomer, type OnboardingView, type StepName } from '../support/operations.ts';

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
  it(
    'two subprojects for a moment, then the late one is removed and the kept one stays',
    async () => {
      // Held past the gateway's one-second timeout; the retry finds nothing yet and creates.
      await t.sandbox.fault({
        upstream: 'subprojects',
        method: 'POST',
        path: '/v1/projects/*/subprojects',
        kind: 'delay',
        delayMs: 3_000,
      });
      const id = await onboardAndSignUp('late-subproject');
      const reconciled = await waitFor(id, (o) =>
        events(o).some((e) => e.type === 'step.reconciled' && e.step === 'SINCH_SUBPROJECT'),
      );

      expect(step(reconciled, 'SINCH_SUBPROJECT').attempts).toBe(2);
      const { records } = await fakeState();
      const ours = records.subprojects.filter(
        (s) => s.labels?.['gateway-onboarding-id'] === rawOnboardingId(id),
      );
      // Both creates committed: the late one is deleted, the one the onboarding holds is live.
      expect(ours).toHaveLength(2);
      expect(ours.filter((s) => !s.deleted).map((s) => s.subprojectId)).toEqual([
        reconciled.subprojectId,
      ]);
      const message = events(reconciled).find((e) => e.type === 'step.reconciled')!.message;
      expect(message).toContain(ours.find((s) => s.deleted)!.subprojectId);
      expect((await waitFor(id, (o) => o.status === 'READY')).subprojectId).toBe(
        reconciled.subprojectId,
      );
    },
    HANG,
  );

  it(
    'two Conversation apps for a moment, then one',
    async () => {
      await t.sandbox.fault({
        upstream: 'conversation',
        method: 'POST',
        path: '/v1/projects/*/apps',
        kind: 'delay',
        delayMs: 3_000,
      });
      const id = await onboardAndSignUp('late-app');
      const reconciled = await waitFor(id, (o) =>
        events(o).some((e) => e.type === 'step.reconciled' && e.step === 'CONVERSATION_APP'),
      );

      expect(reconciled.status).toBe('READY');
      const { records } = await fakeState();
      const apps = records.conversationApps.filter((a) => a.projectId === reconciled.subprojectId);
      expect(apps.map((a) => a.id)).toEqual([reconciled.conversationApp!.id]);
    },
    HANG,
  );
});
