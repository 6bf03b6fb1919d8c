// SIGTERM to the compiled gateway (`node dist/src/main.js`, what a supervisor runs) while it has
// subscribers and upstream calls in flight: it stops listening, completes every subscription,
// waits for the calls until SHUTDOWN_TIMEOUT_MS, records steps still running then as having an
// unknown outcome, and exits 0; started again on the same database, it finishes every onboarding
// without creating anything upstream twice. A second signal exits at once. The gateway runs in
// live mode against the bundled fake, which this test process serves and scripts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ONBOARDING_LABEL } from '../../src/onboarding/steps/sinch-subproject.ts';
import { rawOnboardingId } from '../../src/schema/ids.ts';
import {
  authorization,
  buildOnce,
  type ChildGateway,
  freePort,
  killAllChildGateways,
  liveEnv,
  startChildGateway,
} from '../support/child-gateway.ts';
import { type JournalEntry, type Sandbox, startSandbox } from '../support/fake.ts';
import { graphql, subscribeWs, waitForOnboarding } from '../support/gateway.ts';
import {
  documentText,
  OnboardCustomer,
  type OnboardingView,
  type StepName,
  WatchOnboarding,
} from '../support/operations.ts';
import { HANG_MS, MISSED, until, withWindow } from '../support/windows.ts';

let sandbox: Sandbox;
const dirs: string[] = [];
/** Every gateway process of the current test, to show when it fails. */
let generations: ChildGateway[] = [];

beforeAll(async () => {
  buildOnce();
  sandbox = await startSandbox({
    senderActivationMs: 200,
    callbackRetryDelaysMs: [100, 300, 1000],
  });
});

afterAll(async () => {
  await killAllChildGateways();
  await sandbox?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

beforeEach(({ onTestFailed }) => {
  generations = [];
  onTestFailed(() => {
    for (const [i, child] of generations.entries()) {
      console.error(`--- gateway process ${i + 1} (pid ${child.pid}) ---\n${child.output()}`);
    }
  });
});

afterEach(async () => {
  await killAllChildGateways();
});

/** A fresh database and port; the gateway logs at info so the test can read its shutdown. */
async function freshEnv(shutdownTimeoutMs: number): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-shutdown-'));
  dirs.push(dir);
  return liveEnv(sandbox, {
    port: await freePort(),
    dir,
    overrides: { LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs) },
  });
}

async function start(env: Record<string, string>): Promise<ChildGateway & { url: string }> {
  const gateway = await startChildGateway(env, HANG_MS, { compiled: true });
  generations.push(gateway);
  return gateway;
}

async function onboard(url: string, env: Record<string, string>, clientIdentifier: string) {
  const res = await graphql(
    url,
    OnboardCustomer,
    { input: { clientIdentifier, displayName: `Shop ${clientIdentifier}`, region: 'EU' } },
    authorization(env),
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.onboardCustomer.onboarding.id;
}

const SUBPROJECT_CREATE = {
  upstream: 'subprojects',
  method: 'POST',
  path: '/v1/projects/*/subprojects',
} as const;

/**
 * The fake holds the next `count` subproject creates for `delayMs` after creating the subproject
 * (so a call cut off still left its resource upstream); returns a wait for them all to arrive.
 */
async function holdSubprojectCreates(count: number, delayMs: number) {
  const after = (await sandbox.journal('subprojects')).at(-1)?.seq ?? 0;
  await sandbox.fault({
    ...SUBPROJECT_CREATE,
    kind: 'delay',
    delayMs,
    after: 'commit',
    times: count,
  });
  return () =>
    until(async () => {
      const held = (await sandbox.journal('subprojects')).filter(
        (e) =>
          e.seq > after &&
          e.direction === 'inbound' &&
          e.method === 'POST' &&
          (e.fault as { kind?: string } | undefined)?.kind === 'delay',
      );
      return held.length >= count ? held : undefined;
    });
}

async function answered(entry: JournalEntry): Promise<boolean> {
  const now = (await sandbox.journal('subprojects')).find((e) => e.seq === entry.seq);
  return now?.status !== undefined;
}

/** The gateway's JSON log lines with this message. */
function logged(gateway: ChildGateway, msg: string): Record<string, unknown>[] {
  return gateway
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === msg);
}

/**
 * GraphQL over SSE, read raw to its end: whether the server completed the stream is in the text.
 * The subscription sends the onboarding's current state first, so the stream is open on return.
 */
async function openSse(
  url: string,
  env: Record<string, string>,
  id: string,
): Promise<{ text: Promise<string> }> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...authorization(env),
    },
    body: JSON.stringify({ query: documentText(WatchOnboarding), variables: { id } }),
  });
  expect(res.status).toBe(200);
  // Wrapped: an async function returning the promise itself would wait for the stream to end.
  return { text: res.text() };
}

async function expectPortClosed(url: string): Promise<void> {
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
}

async function completeSignup(clientIdentifier: string): Promise<void> {
  await sandbox.control('POST', '/sendzen/signups', { clientIdentifier, status: 'completed' });
}

const stepStatus = (o: OnboardingView, name: StepName) =>
  o.steps.find((s) => s.name === name)?.status;

/** Drives an onboarding held before its signup to READY on the gateway running now. */
async function finish(url: string, env: Record<string, string>, id: string, customer: string) {
  await waitForOnboarding(
    url,
    authorization(env),
    id,
    (o) => stepStatus(o, 'CUSTOMER_SIGNUP') === 'WAITING',
  );
  await completeSignup(customer);
  const done = await waitForOnboarding(
    url,
    authorization(env),
    id,
    (o) => o.status === 'READY' || o.status === 'ACTION_REQUIRED',
  );
  expect(done.status, JSON.stringify(done.steps)).toBe('READY');
  return done;
}

interface FakeRecords {
  subprojects: { subprojectId: string; labels?: Record<string, string> }[];
  senders: { projectId: string }[];
  provisioningWebhooks: { projectId: string }[];
  conversationApps: { projectId: string }[];
  conversationWebhooks: { projectId: string }[];
}

/** Exactly one of every upstream resource for the customer, and the subproject is the one kept. */
async function expectOneOfEach(onboarding: OnboardingView): Promise<void> {
  const { records } = await sandbox.control<{ records: FakeRecords }>('GET', '/state');
  const raw = rawOnboardingId(onboarding.id);
  const subprojects = records.subprojects.filter((s) => s.labels?.[ONBOARDING_LABEL] === raw);
  expect(subprojects).toHaveLength(1);
  const projectId = subprojects[0]!.subprojectId;
  expect(onboarding.subprojectId).toBe(projectId);
  for (const kind of [
    'senders',
    'provisioningWebhooks',
    'conversationApps',
    'conversationWebhooks',
  ] as const) {
    expect(
      records[kind].filter((r) => r.projectId === projectId),
      kind,
    ).toHaveLength(1);
  }
}

const eventsOf = (o: OnboardingView, type: string) =>
  o.events.edges.map((e) => e.node).filter((e) => e.type === type);

describe('SIGTERM to the compiled gateway', () => {
  it('completes its subscriptions, lets the call in flight finish, closes the port and exits 0', async () => {
    const env = await freshEnv(HANG_MS);
    // The signal must land while the fake still holds the call; a machine too slow for that
    // lets the call finish first, and the run starts over with a longer hold.
    await withWindow(1_500, 24_000, async (holdMs, attempt) => {
      const gateway = await start(env);
      const customer = `drain-${attempt}`;
      const heldCalls = await holdSubprojectCreates(1, holdMs);
      const id = await onboard(gateway.url, env, customer);

      const ws = subscribeWs(gateway.url, WatchOnboarding, { id }, authorization(env));
      let closeCode: number | undefined;
      ws.client.on('closed', (event) => {
        closeCode = (event as { code: number }).code;
      });
      await ws.waitFor(() => true);
      const sse = await openSse(gateway.url, env, id);
      const [held] = await heldCalls();

      const exit = await gateway.kill('SIGTERM');
      expect(exit).toEqual({ code: 0, signal: null });
      const [stopped] = logged(gateway, 'shutdown: step runner stopped');
      if (stopped?.finished === 0 && (await answered(held!))) return MISSED;
      expect(stopped).toMatchObject({ finished: 1, interrupted: 0 });

      await ws.ended;
      expect(ws.errors).toEqual([]);
      // graphql-ws' lazy client closes (1000) once its last operation completed, before the
      // server's 1001 Going away can reach it; either way not an abnormal close (1006).
      expect([1000, 1001]).toContain(closeCode);
      expect(await sse.text).toContain('event: complete');
      await expectPortClosed(gateway.url);
      for (const phase of [
        'shutdown: signal received',
        'shutdown: no longer accepting connections',
        'shutdown: subscriptions completed, websockets closed',
        'shutdown: every connection closed',
        'shutdown: database closed',
      ]) {
        expect(logged(gateway, phase), phase).toHaveLength(1);
      }

      const again = await start(env);
      const ready = await finish(again.url, env, id, customer);
      await expectOneOfEach(ready);
      expect(eventsOf(ready, 'step.interrupted')).toEqual([]);
      expect(eventsOf(ready, 'step.recovered')).toEqual([]);
      await again.kill('SIGTERM');
      return true;
    });
  });

  it('records steps still running at the deadline as outcome unknown; the next start adopts what they created', async () => {
    const env = await freshEnv(300);
    const gateway = await start(env);
    // Held until the test's end: only the deadline can end the wait for them.
    const heldCalls = await holdSubprojectCreates(2, HANG_MS);
    const customers = ['deadline-a', 'deadline-b'];
    const ids = await Promise.all(customers.map((c) => onboard(gateway.url, env, c)));
    const ws = subscribeWs(gateway.url, WatchOnboarding, { id: ids[0] }, authorization(env));
    await ws.waitFor(() => true);
    await heldCalls();

    const exit = await gateway.kill('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(logged(gateway, 'shutdown: step runner stopped')).toMatchObject([{ interrupted: 2 }]);
    await ws.ended;
    expect(ws.errors).toEqual([]);
    await expectPortClosed(gateway.url);

    const again = await start(env);
    for (const [i, id] of ids.entries()) {
      const ready = await finish(again.url, env, id, customers[i]!);
      await expectOneOfEach(ready);
      expect(eventsOf(ready, 'step.interrupted').map((e) => e.step)).toEqual(['SINCH_SUBPROJECT']);
      // Recorded at shutdown: the next start had nothing left RUNNING to recover.
      expect(eventsOf(ready, 'step.recovered')).toEqual([]);
      const succeeded = eventsOf(ready, 'step.succeeded').filter(
        (e) => e.step === 'SINCH_SUBPROJECT',
      );
      expect(succeeded).toHaveLength(1);
      expect(succeeded[0]!.message).toMatch(/Adopted/);
    }
    await again.kill('SIGTERM');
  });

  it('exits at once, non-zero, on a second signal; the next start recovers the step it left', async () => {
    const env = await freshEnv(HANG_MS);
    const gateway = await start(env);
    const heldCalls = await holdSubprojectCreates(1, HANG_MS);
    const customer = 'impatient';
    const id = await onboard(gateway.url, env, customer);
    const [held] = await heldCalls();

    process.kill(gateway.pid, 'SIGTERM');
    // Shutting down, and waiting for the held call:
    await until(() =>
      logged(gateway, 'shutdown: subscriptions completed, websockets closed').length > 0
        ? true
        : undefined,
    );
    const exit = await gateway.kill('SIGTERM');
    expect(exit).toEqual({ code: 143, signal: null });
    expect(logged(gateway, 'shutdown: second signal, exiting at once')).toHaveLength(1);
    expect(await answered(held!)).toBe(false);

    const again = await start(env);
    const ready = await finish(again.url, env, id, customer);
    await expectOneOfEach(ready);
    expect(eventsOf(ready, 'step.recovered').map((e) => e.step)).toEqual(['SINCH_SUBPROJECT']);
    await again.kill('SIGTERM');
  });
});
