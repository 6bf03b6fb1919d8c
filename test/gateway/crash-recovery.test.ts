// A gateway process killed while an upstream create is in flight, then started again on the same
// database, finishes the onboarding without creating anything twice: the interrupted step is
// recovered, looks up what the lost call made, and adopts it. The gateway runs as a real child
// process in live mode against the bundled fake, which this test process serves; the kill is a
// SIGKILL, so nothing in the gateway gets a chance to tidy up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StepName } from '../../src/onboarding/plan.ts';
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
import { type FaultSpec, type Sandbox, startSandbox } from '../support/fake.ts';
import { graphql, until } from '../support/gateway.ts';

let sandbox: Sandbox;
let dir: string;
let env: Record<string, string>;
let gateway: (ChildGateway & { url: string }) | undefined;
/** Every gateway process of the current test, oldest first, to show when the test fails. */
let generations: ChildGateway[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({
    senderActivationMs: 200,
    callbackRetryDelaysMs: [100, 300, 1000],
  });
  dir = mkdtempSync(join(tmpdir(), 'gateway-crash-'));
  env = liveEnv(sandbox, { port: await freePort(), dir });
  gateway = await startChildGateway(env);
}, 30_000);

afterAll(async () => {
  await killAllChildGateways();
  await sandbox?.close();
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

interface OnboardingView {
  id: string;
  status: string;
  subprojectId: string | null;
  steps: { name: StepName; status: string; attempts: number }[];
  sender: { id: string; state: string; hasBearerToken: boolean } | null;
  conversationApp: { id: string; credentialStatus: string | null } | null;
  webhooks: { id: string; appId: string; triggers: string[] }[];
  events: { edges: { node: { type: string; step: StepName | null; message: string } }[] };
}

const ONBOARD = /* GraphQL */ `
  mutation Onboard($input: OnboardCustomerInput!) {
    onboardCustomer(input: $input) { onboarding { id status } }
  }
`;

const READ = /* GraphQL */ `
  query Read($id: ID!) {
    onboarding(id: $id) {
      id status subprojectId
      steps { name status attempts }
      sender { id state hasBearerToken }
      conversationApp { id credentialStatus }
      webhooks { id appId triggers }
      events(first: 200) { edges { node { type step message } } }
    }
  }
`;

function url(): string {
  if (!gateway) throw new Error('no gateway process is running');
  return gateway.url;
}

async function onboard(clientIdentifier: string): Promise<string> {
  const res = await graphql<{ onboardCustomer: { onboarding: { id: string } } }>(
    url(),
    ONBOARD,
    { input: { clientIdentifier, displayName: `Shop ${clientIdentifier}`, region: 'EU' } },
    authorization(env),
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.onboardCustomer.onboarding.id;
}

async function read(id: string): Promise<OnboardingView> {
  const res = await graphql<{ onboarding: OnboardingView }>(
    url(),
    READ,
    { id },
    authorization(env),
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.onboarding;
}

const stepStatus = (o: OnboardingView, name: StepName) =>
  o.steps.find((s) => s.name === name)?.status;

async function waitForStep(id: string, name: StepName, status: string): Promise<void> {
  await until(async () => (stepStatus(await read(id), name) === status ? true : undefined));
}

/** Holds back the next matching create in the fake; returns a wait for it to arrive there. */
async function holdNextCall(fault: FaultSpec): Promise<() => Promise<void>> {
  const seen = await sandbox.journal(fault.upstream);
  const after = seen.at(-1)?.seq ?? 0;
  await sandbox.fault(fault);
  return () => waitForHeldCall(fault, after);
}

async function waitForHeldCall(fault: FaultSpec, afterSeq: number): Promise<void> {
  const pattern = new RegExp(`^${fault.path!.replaceAll('*', '[^/]+')}$`);
  await until(async () => {
    const entries = await sandbox.journal(fault.upstream);
    const held = entries.find(
      (e) =>
        e.seq > afterSeq &&
        e.direction === 'inbound' &&
        e.method === fault.method &&
        pattern.test(e.path ?? '') &&
        (e.fault as { kind?: string } | undefined)?.kind === 'delay',
    );
    return held ? true : undefined;
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
 * SIGKILLs the gateway while its call is held in the fake, waits until the fake has finished that
 * call (so what it creates does exist upstream), and starts the gateway again on the same database.
 */
async function killAndRestart(createdUpstream: () => Promise<boolean>): Promise<void> {
  const exit = await gateway!.kill('SIGKILL');
  expect(exit.signal).toBe('SIGKILL');
  gateway = undefined;
  await until(async () => ((await createdUpstream()) ? true : undefined), 10_000);
  gateway = await startChildGateway(env);
  generations.push(gateway);
}

async function completeSignup(clientIdentifier: string): Promise<void> {
  await sandbox.control('POST', '/sendzen/signups', { clientIdentifier, status: 'completed' });
}

async function waitReady(id: string): Promise<OnboardingView> {
  return until(async () => {
    const o = await read(id);
    if (o.status === 'ACTION_REQUIRED') {
      throw new Error(`the onboarding needs action: ${JSON.stringify(o.steps)}`);
    }
    return o.status === 'READY' ? o : undefined;
  }, 20_000);
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

/** The step was recovered after the crash and then adopted what the killed attempt had created. */
function expectRecoveredAndAdopted(onboarding: OnboardingView, step: StepName): void {
  const events = onboarding.events.edges.map((e) => e.node);
  expect(events.filter((e) => e.type === 'step.recovered').map((e) => e.step)).toEqual([step]);
  const succeeded = events.filter((e) => e.type === 'step.succeeded' && e.step === step);
  expect(succeeded).toHaveLength(1);
  expect(succeeded[0]!.message).toMatch(/Adopted/);
  expect(onboarding.steps.every((s) => s.status === 'SUCCEEDED')).toBe(true);
}

describe('a gateway killed mid-provisioning and started again', () => {
  it('adopts the Sinch subproject whose create was in flight, then finishes to READY', async () => {
    const customer = 'crash-subproject';
    const fault: FaultSpec = {
      upstream: 'subprojects',
      method: 'POST',
      path: '/v1/projects/*/subprojects',
      kind: 'delay',
      delayMs: 1500,
    };
    const heldCall = await holdNextCall(fault);
    const id = await onboard(customer);
    await waitForStep(id, 'SINCH_SUBPROJECT', 'RUNNING');
    await heldCall();

    await killAndRestart(async () => (await subprojectOf(id)) !== undefined);

    await until(async () =>
      stepStatus(await read(id), 'CUSTOMER_SIGNUP') === 'WAITING' ? true : undefined,
    );
    await completeSignup(customer);
    const ready = await waitReady(id);
    await expectExactlyOneOfEverything(ready);
    expectRecoveredAndAdopted(ready, 'SINCH_SUBPROJECT');
  }, 30_000);

  it('adopts the provisioning webhook whose registration was in flight', async () => {
    const customer = 'crash-provisioning-webhook';
    const fault: FaultSpec = {
      upstream: 'provisioning',
      method: 'POST',
      path: '/v1/projects/*/webhooks',
      kind: 'delay',
      delayMs: 1500,
    };
    const heldCall = await holdNextCall(fault);
    const id = await onboard(customer);
    await waitForStep(id, 'PROVISIONING_WEBHOOK', 'RUNNING');
    await heldCall();

    await killAndRestart(async () => {
      const sub = await subprojectOf(id);
      return (await fakeRecords()).provisioningWebhooks.some(
        (w) => w.projectId === sub?.subprojectId,
      );
    });

    await completeSignup(customer);
    const ready = await waitReady(id);
    await expectExactlyOneOfEverything(ready);
    expectRecoveredAndAdopted(ready, 'PROVISIONING_WEBHOOK');
  }, 30_000);

  it('adopts the WhatsApp sender whose create was in flight, and it still becomes ACTIVE', async () => {
    const customer = 'crash-sender';
    const fault: FaultSpec = {
      upstream: 'provisioning',
      method: 'POST',
      path: '/v1/projects/*/whatsapp/senders',
      kind: 'delay',
      delayMs: 1500,
    };
    const heldCall = await holdNextCall(fault);
    const id = await onboard(customer);
    await waitForStep(id, 'PROVISIONING_WEBHOOK', 'SUCCEEDED');
    await completeSignup(customer);
    await waitForStep(id, 'WHATSAPP_SENDER', 'RUNNING');
    await heldCall();

    await killAndRestart(async () => {
      const sub = await subprojectOf(id);
      return (await fakeRecords()).senders.some((s) => s.projectId === sub?.subprojectId);
    });

    const ready = await waitReady(id);
    expect(ready.sender).toMatchObject({ state: 'ACTIVE', hasBearerToken: true });
    await expectExactlyOneOfEverything(ready);
    expectRecoveredAndAdopted(ready, 'WHATSAPP_SENDER');
  }, 30_000);

  it('adopts the Conversation API app whose create was in flight', async () => {
    const customer = 'crash-app';
    const fault: FaultSpec = {
      upstream: 'conversation',
      method: 'POST',
      path: '/v1/projects/*/apps',
      kind: 'delay',
      delayMs: 1500,
    };
    const heldCall = await holdNextCall(fault);
    const id = await onboard(customer);
    await waitForStep(id, 'PROVISIONING_WEBHOOK', 'SUCCEEDED');
    await completeSignup(customer);
    await waitForStep(id, 'CONVERSATION_APP', 'RUNNING');
    await heldCall();

    await killAndRestart(async () => {
      const sub = await subprojectOf(id);
      return (await fakeRecords()).conversationApps.some((a) => a.projectId === sub?.subprojectId);
    });

    const ready = await waitReady(id);
    expect(ready.conversationApp).toMatchObject({ credentialStatus: 'ACTIVE' });
    await expectExactlyOneOfEverything(ready);
    expectRecoveredAndAdopted(ready, 'CONVERSATION_APP');
  }, 30_000);

  it('adopts the app webhook whose registration was in flight', async () => {
    const customer = 'crash-app-webhook';
    const fault: FaultSpec = {
      upstream: 'conversation',
      method: 'POST',
      path: '/v1/projects/*/webhooks',
      kind: 'delay',
      delayMs: 1500,
    };
    const heldCall = await holdNextCall(fault);
    const id = await onboard(customer);
    await waitForStep(id, 'PROVISIONING_WEBHOOK', 'SUCCEEDED');
    await completeSignup(customer);
    await waitForStep(id, 'APP_WEBHOOK', 'RUNNING');
    await heldCall();

    await killAndRestart(async () => {
      const sub = await subprojectOf(id);
      return (await fakeRecords()).conversationWebhooks.some(
        (w) => w.projectId === sub?.subprojectId,
      );
    });

    const ready = await waitReady(id);
    await expectExactlyOneOfEverything(ready);
    expectRecoveredAndAdopted(ready, 'APP_WEBHOOK');
  }, 30_000);
});
