// A gateway process killed while an upstream create is in flight, then started again on the same
// database, finishes the onboarding without creating anything twice: the interrupted step is
// recovered, looks up what the lost call made, and adopts it. The gateway runs as a real child
// process in live mode against the bundled fake, which this test process serves; the kill is a
// SIGKILL, so nothing in the gateway gets a chance to tidy up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ONBOARDING_LABEL } from '../../src/onboarding/steps/sinch-subproject.ts';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import {
  authorization,
  type ChildGateway,
  freePort,
  killAllChildGateways,
  liveEnv,
  startChildGateway,
} from '../support/child-gateway.ts';
import { testStoreEnv } from '../support/databases.ts';
import { type FaultSpec, type JournalEntry, type Sandbox, startSandbox } from '../support/fake.ts';
import { graphql, waitForOnboarding } from '../support/gateway.ts';
import { OnboardCustomer, type OnboardingView, type StepName } from '../support/operations.ts';
import { MISSED, until, withWindow } from '../support/windows.ts';

let sandbox: Sandbox;
let dir: string;
let env: Record<string, string>;
let gateway: (ChildGateway & { url: string }) | undefined;
/** Every gateway process of the current test, oldest first, to show when the test fails. */
let generations: ChildGateway[] = [];

let store: Awaited<ReturnType<typeof testStoreEnv>> | undefined;

beforeAll(async () => {
  sandbox = await startSandbox({
    senderActivationMs: 200,
    callbackRetryDelaysMs: [100, 300, 1000],
  });
  dir = mkdtempSync(join(tmpdir(), 'gateway-crash-'));
  store = await testStoreEnv();
  // At info, so the restarted gateway's account of the recovery can be read (expectLogged).
  env = liveEnv(sandbox, {
    port: await freePort(),
    dir,
    overrides: { LOG_LEVEL: 'info', ...store.env },
  });
  gateway = await startChildGateway(env);
});

afterAll(async () => {
  await killAllChildGateways();
  await sandbox?.close();
  await store?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(({ onTestFailed }) => {
  generations = gateway ? [gateway] : [];
  onTestFailed(() => {
    for (const [i, child] of generations.entries()) {
      console.error(
        `--- gateway process ${i + 1} (pid ${child.pid}) output ---\n${child.output()}`,
      );
    }
  });
});

function url(): string {
  if (!gateway) throw new Error('no gateway process is running');
  return gateway.url;
}

async function onboard(clientIdentifier: string): Promise<string> {
  const res = await graphql(
    url(),
    OnboardCustomer,
    { input: { clientIdentifier, displayName: `Shop ${clientIdentifier}`, region: 'EU' } },
    authorization(env),
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.onboardCustomer.onboarding.id;
}

const stepStatus = (o: OnboardingView, name: StepName) =>
  o.steps.find((s) => s.name === name)?.status;

/** Watches the onboarding (on the gateway running now) until the step has this status. */
async function waitForStep(id: string, name: StepName, status: string): Promise<void> {
  await waitForOnboarding(url(), authorization(env), id, (o) => stepStatus(o, name) === status);
}

/**
 * Holds back the next matching call in the fake for `delayMs`; returns a wait for it to arrive
 * there, which answers the call's journal entry.
 */
async function holdNextCall(fault: FaultSpec): Promise<() => Promise<JournalEntry>> {
  const seen = await sandbox.journal(fault.upstream);
  const after = seen.at(-1)?.seq ?? 0;
  await sandbox.fault(fault);
  return () => waitForHeldCall(fault, after);
}

/** The fake's journal is all that can tell: polled, with the hang-only deadline. */
async function waitForHeldCall(fault: FaultSpec, afterSeq: number): Promise<JournalEntry> {
  const pattern = new RegExp(`^${fault.path!.replaceAll('*', '[^/]+')}$`);
  return until(async () => {
    const entries = await sandbox.journal(fault.upstream);
    return entries.find(
      (e) =>
        e.seq > afterSeq &&
        e.direction === 'inbound' &&
        e.method === fault.method &&
        pattern.test(e.path ?? '') &&
        (e.fault as { kind?: string } | undefined)?.kind === 'delay',
    );
  });
}

interface FakeRecords {
  subprojects: { subprojectId: string; labels?: Record<string, string>; deleted: boolean }[];
  senders: { id: string; projectId: string; state: string }[];
  provisioningWebhooks: { id: string; projectId: string; target: string }[];
  conversationApps: { id: string; projectId: string; region: string }[];
  conversationWebhooks: { id: string; projectId: string; app_id: string; triggers: string[] }[];
}

async function fakeRecords(): Promise<FakeRecords> {
  return (await sandbox.control<{ records: FakeRecords }>('GET', '/state')).records;
}

/** The subproject the fake holds for this onboarding (found by the label the gateway puts on it). */
async function subprojectOf(onboardingId: string) {
  const raw = rawOnboardingId(onboardingId);
  return (await fakeRecords()).subprojects.find(
    (s) => s.labels?.[ONBOARDING_LABEL] === raw && !s.deleted,
  );
}

/**
 * The scenario every test here plays: the fake holds the next call `fault` matches, `reach` drives
 * a new onboarding toward that call, and once the fake's journal shows the gateway made it, the
 * gateway is SIGKILLed while the fake still holds it. (Not a wait for the step to show RUNNING: a
 * subscription that connects late on a loaded machine can miss that version altogether.) Once the fake has finished the call (`createdUpstream`: what it creates
 * exists upstream), the gateway starts again on the same database.
 *
 * The kill must land within the hold. A machine too slow for that lets the fake answer first, and
 * then nothing was interrupted: the run counts as missed and the scenario starts over with a new
 * customer and twice the hold.
 */
async function killWhileHeld(
  customer: string,
  fault: Omit<FaultSpec, 'kind' | 'delayMs'>,
  reach: (id: string, clientIdentifier: string) => Promise<void>,
  createdUpstream: (id: string) => Promise<boolean>,
): Promise<{ id: string; clientIdentifier: string }> {
  return withWindow(1_500, 24_000, async (delayMs, attempt) => {
    const clientIdentifier = attempt === 1 ? customer : `${customer}-${attempt}`;
    const heldCall = await holdNextCall({ ...fault, kind: 'delay', delayMs });
    const id = await onboard(clientIdentifier);
    await reach(id, clientIdentifier);
    const held = await heldCall();

    const exit = await gateway!.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    gateway = undefined;
    const answered = (await sandbox.journal(fault.upstream)).find((e) => e.seq === held.seq);
    const answeredBeforeTheKill = answered?.status !== undefined;

    await until(async () => ((await createdUpstream(id)) ? true : undefined));
    gateway = await startChildGateway(env);
    generations.push(gateway);
    return answeredBeforeTheKill ? MISSED : { id, clientIdentifier };
  });
}

async function completeSignup(clientIdentifier: string): Promise<void> {
  await sandbox.control('POST', '/sendzen/signups', { clientIdentifier, status: 'completed' });
}

async function waitReady(id: string): Promise<OnboardingView> {
  const o = await waitForOnboarding(
    url(),
    authorization(env),
    id,
    (now) => now.status === 'READY' || now.status === 'ACTION_REQUIRED',
  );
  if (o.status === 'ACTION_REQUIRED') {
    throw new Error(`the onboarding needs action: ${JSON.stringify(o.steps)}`);
  }
  return o;
}

/** Exactly one of every upstream resource for the customer, and they are the ones the gateway shows. */
async function expectExactlyOneOfEverything(onboarding: OnboardingView): Promise<void> {
  const records = await fakeRecords();
  const raw = rawOnboardingId(onboarding.id);
  const subprojects = records.subprojects.filter((s) => s.labels?.[ONBOARDING_LABEL] === raw);
  expect(subprojects).toHaveLength(1);
  const projectId = subprojects[0]!.subprojectId;
  expect(onboarding.subprojectId).toBe(projectId);

  const senders = records.senders.filter((s) => s.projectId === projectId);
  expect(senders).toHaveLength(1);
  expect(senders[0]).toMatchObject({ id: onboarding.sender?.id, state: 'ACTIVE' });

  const provisioningWebhooks = records.provisioningWebhooks.filter(
    (w) => w.projectId === projectId,
  );
  expect(provisioningWebhooks).toHaveLength(1);
  expect(provisioningWebhooks[0]!.target).toBe(
    `${env.PUBLIC_URL}/webhooks/sinch/provisioning/${raw}`,
  );

  const apps = records.conversationApps.filter((a) => a.projectId === projectId);
  expect(apps).toHaveLength(1);
  expect(apps[0]!.id).toBe(onboarding.conversationApp?.id);

  const appWebhooks = records.conversationWebhooks.filter((w) => w.projectId === projectId);
  expect(appWebhooks).toHaveLength(1);
  expect(appWebhooks[0]).toMatchObject({
    id: onboarding.webhooks[0]?.id,
    app_id: apps[0]!.id,
    triggers: ['MESSAGE_DELIVERY', 'MESSAGE_INBOUND'],
  });
  expect(onboarding.webhooks).toHaveLength(1);
}

/**
 * The restarted gateway's log says, for this onboarding and step, that it recovered the step and
 * adopted what the killed attempt made; and every line it wrote about any step names both.
 */
function expectLogged(onboarding: OnboardingView, step: StepName): void {
  const lines = gateway!
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; onboardingId?: string; step?: string });
  const aboutSteps = lines.filter((l) => /step|adopt|recover|reconcil/i.test(l.msg));
  expect(aboutSteps.length).toBeGreaterThan(0);
  for (const line of aboutSteps) {
    expect(line, JSON.stringify(line)).toMatchObject({
      onboardingId: expect.any(String),
      step: expect.any(String),
    });
  }
  const ours = aboutSteps
    .filter((l) => l.onboardingId === rawOnboardingId(onboarding.id) && l.step === step)
    .map((l) => l.msg);
  expect(ours).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^recovered a step interrupted/),
      expect.stringMatching(/^adopted the upstream resource/),
      'step attempt finished',
    ]),
  );
}

/** The step was recovered after the crash and then adopted what the killed attempt had created. */
function expectRecoveredAndAdopted(onboarding: OnboardingView, step: StepName): void {
  expectLogged(onboarding, step);
  const events = onboarding.events.edges.map((e) => e.node);
  expect(events.filter((e) => e.type === 'step.recovered').map((e) => e.step)).toEqual([step]);
  const succeeded = events.filter((e) => e.type === 'step.succeeded' && e.step === step);
  expect(succeeded).toHaveLength(1);
  expect(succeeded[0]!.message).toMatch(/Adopted/);
  expect(onboarding.steps.every((s) => s.status === 'SUCCEEDED')).toBe(true);
}

describe('a gateway killed mid-provisioning and started again', () => {
  it('adopts the Sinch subproject whose create was in flight, then finishes to READY', async () => {
    const { id, clientIdentifier } = await killWhileHeld(
      'crash-subproject',
      { upstream: 'subprojects', method: 'POST', path: '/v1/projects/*/subprojects' },
      // Made by the runner straight after the SendZen project: nothing to drive.
      async () => {},
      async (id) => (await subprojectOf(id)) !== undefined,
    );

    await waitForStep(id, 'CUSTOMER_SIGNUP', 'WAITING');
    await completeSignup(clientIdentifier);
    const ready = await waitReady(id);
    await expectExactlyOneOfEverything(ready);
    expectRecoveredAndAdopted(ready, 'SINCH_SUBPROJECT');
  });

  it('adopts the provisioning webhook whose registration was in flight', async () => {
    const { id, clientIdentifier } = await killWhileHeld(
      'crash-provisioning-webhook',
      { upstream: 'provisioning', method: 'POST', path: '/v1/projects/*/webhooks' },
      async () => {},
      async (id) => {
        const sub = await subprojectOf(id);
        return (await fakeRecords()).provisioningWebhooks.some(
          (w) => w.projectId === sub?.subprojectId,
        );
      },
    );

    await completeSignup(clientIdentifier);
    const ready = await waitReady(id);
    await expectExactlyOneOfEverything(ready);
    expectRecoveredAndAdopted(ready, 'PROVISIONING_WEBHOOK');
  });

  it('adopts the WhatsApp sender whose create was in flight, and it still becomes ACTIVE', async () => {
    const { id } = await killWhileHeld(
      'crash-sender',
      { upstream: 'provisioning', method: 'POST', path: '/v1/projects/*/whatsapp/senders' },
      async (id, clientIdentifier) => {
        await waitForStep(id, 'PROVISIONING_WEBHOOK', 'SUCCEEDED');
        await completeSignup(clientIdentifier);
      },
      async (id) => {
        const sub = await subprojectOf(id);
        return (await fakeRecords()).senders.some((s) => s.projectId === sub?.subprojectId);
      },
    );

    const ready = await waitReady(id);
    expect(ready.sender).toMatchObject({ state: 'ACTIVE', hasBearerToken: true });
    await expectExactlyOneOfEverything(ready);
    // Sinch's activation callback, retried while no gateway answered, may reach the restarted one
    // before its runner retries the step: then the callback hands over the sender the lost call
    // made, and the step has nothing left to adopt. Either way it is the one sender.
    const reported = ready.events.edges.some(
      ({ node }) =>
        node.type === 'sender.state' &&
        node.message.includes(ready.sender!.id) &&
        /reported by callback/.test(node.message),
    );
    const attempted = ready.events.edges.some(
      ({ node }) =>
        node.step === 'WHATSAPP_SENDER' &&
        /^step\.(succeeded|waiting)$/.test(node.type) &&
        /Adopted/.test(node.message),
    );
    const events = ready.events.edges.map((e) => e.node);
    expect(events.filter((e) => e.type === 'step.recovered').map((e) => e.step)).toEqual([
      'WHATSAPP_SENDER',
    ]);
    expect(attempted || reported, 'the sender was adopted, or handed over by its callback').toBe(
      true,
    );
    if (attempted) expectLogged(ready, 'WHATSAPP_SENDER');
  });

  it('adopts the Conversation API app whose create was in flight', async () => {
    const { id } = await killWhileHeld(
      'crash-app',
      { upstream: 'conversation', method: 'POST', path: '/v1/projects/*/apps' },
      async (id, clientIdentifier) => {
        await waitForStep(id, 'PROVISIONING_WEBHOOK', 'SUCCEEDED');
        await completeSignup(clientIdentifier);
      },
      async (id) => {
        const sub = await subprojectOf(id);
        return (await fakeRecords()).conversationApps.some(
          (a) => a.projectId === sub?.subprojectId,
        );
      },
    );

    const ready = await waitReady(id);
    expect(ready.conversationApp).toMatchObject({ credentialStatus: 'ACTIVE' });
    await expectExactlyOneOfEverything(ready);
    expectRecoveredAndAdopted(ready, 'CONVERSATION_APP');
  });

  it('adopts the app webhook whose registration was in flight', async () => {
    const { id } = await killWhileHeld(
      'crash-app-webhook',
      { upstream: 'conversation', method: 'POST', path: '/v1/projects/*/webhooks' },
      async (id, clientIdentifier) => {
        await waitForStep(id, 'PROVISIONING_WEBHOOK', 'SUCCEEDED');
        await completeSignup(clientIdentifier);
      },
      async (id) => {
        const sub = await subprojectOf(id);
        return (await fakeRecords()).conversationWebhooks.some(
          (w) => w.projectId === sub?.subprojectId,
        );
      },
    );

    const ready = await waitReady(id);
    await expectExactlyOneOfEverything(ready);
    expectRecoveredAndAdopted(ready, 'APP_WEBHOOK');
  });
});
