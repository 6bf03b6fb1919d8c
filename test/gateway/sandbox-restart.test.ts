// `npm start` stopped and started again: the gateway keeps its database, and the fake it runs keeps
// its records beside it (data/sandbox-state.json), so an onboarding in flight carries on. A
// sandbox gateway runs as a child process (its own fake inside, on a fixed port so the iframe link
// it handed out stays the same), is sent SIGTERM mid-onboarding and started again on the same
// folder. And `npm run sandbox:reset`, or POST /sandbox/reset to a running one, wipes both together.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ChildGateway,
  freePort,
  killAllChildGateways,
  liveEnv,
  startChildGateway,
} from '../support/child-gateway.ts';
import { startSandbox } from '../support/fake.ts';
import { graphql, waitForOnboarding } from '../support/gateway.ts';
import { ListOnboardings, OnboardCustomer, type OnboardingView } from '../support/operations.ts';

const dirs: string[] = [];
let generations: ChildGateway[] = [];

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
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface SandboxSetup {
  dir: string;
  env: Record<string, string>;
  fakeUrl: string;
}

async function sandboxSetup(extra: Record<string, string> = {}): Promise<SandboxSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-restart-'));
  dirs.push(dir);
  const sandboxPort = await freePort();
  // The iframe's own origin: a port of its own, free rather than SANDBOX_PORT + 1.
  const iframePort = await freePort();
  return {
    dir,
    fakeUrl: `http://127.0.0.1:${sandboxPort}`,
    env: {
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      SANDBOX_PORT: String(sandboxPort),
      SANDBOX_IFRAME_PORT: String(iframePort),
      // Free rather than SANDBOX_PORT + 2, like the iframe port.
      SANDBOX_META_PORT: String(await freePort()),
      DATABASE_FILE: join(dir, 'gateway.sqlite'),
      LOG_LEVEL: 'silent',
      SANDBOX_SENDER_ACTIVATION_MS: '2500',
      SENDER_POLL_AFTER_MS: '1000',
      ...extra,
    },
  };
}

async function start(setup: SandboxSetup) {
  const gateway = await startChildGateway(setup.env);
  generations.push(gateway);
  const key = readFileSync(join(setup.dir, 'dev-api-key'), 'utf8').trim();
  return { gateway, headers: { authorization: `Bearer ${key}` } };
}

async function stop(gateway: ChildGateway) {
  expect(await gateway.kill('SIGTERM')).toEqual({ code: 0, signal: null });
}

async function fakeCounts(fakeUrl: string): Promise<Record<string, number>> {
  const res = await fetch(`${fakeUrl}/_sandbox/state`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { counts: Record<string, number> }).counts;
}

function runReset(env: Record<string, string>) {
  return spawnSync(process.execPath, ['scripts/sandbox-reset.mjs'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
}

describe('a sandbox stopped and started again', () => {
  it('carries an onboarding in flight to READY: the old iframe link still works, a sender IN_PROGRESS still activates, nothing is created twice upstream', async () => {
    const setup = await sandboxSetup();
    let { gateway, headers } = await start(setup);

    const onboard = await graphql(
      gateway.url,
      OnboardCustomer,
      { input: { clientIdentifier: 'restart-1', displayName: 'Restart', region: 'EU' } },
      headers,
    );
    expect(onboard.body.errors).toBeUndefined();
    const { id } = onboard.body.data!.onboardCustomer.onboarding;
    const waiting = await waitForOnboarding(
      gateway.url,
      headers,
      id,
      (o) =>
        o.status === 'AWAITING_SIGNUP' &&
        o.iframeUrl !== null &&
        o.steps.every((s) => s.name === 'CUSTOMER_SIGNUP' || s.status !== 'RUNNING'),
    );
    const iframeUrl = waiting.iframeUrl!;
    expect((await fetch(iframeUrl)).status).toBe(200);
    const before = await fakeCounts(setup.fakeUrl);

    // First restart: waiting for the customer.
    await stop(gateway);
    const stateFile = join(setup.dir, 'sandbox-state.json');
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    ({ gateway, headers } = await start(setup));

    expect(await fakeCounts(setup.fakeUrl)).toEqual(before);
    const page = await fetch(iframeUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('restart-1');

    const signup = await fetch(`${setup.fakeUrl}/_sandbox/sendzen/signups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientIdentifier: 'restart-1', status: 'completed' }),
    });
    expect(signup.status).toBe(200);
    const created = await waitForOnboarding(
      gateway.url,
      headers,
      id,
      (o) => o.sender !== null || o.status === 'ACTION_REQUIRED' || o.status === 'READY',
    );
    expect(created.sender?.state).toBe('IN_PROGRESS');

    // Second restart: the sender's activation was pending in the fake.
    await stop(gateway);
    ({ gateway, headers } = await start(setup));
    const ready: OnboardingView = await waitForOnboarding(
      gateway.url,
      headers,
      id,
      (o) => o.status === 'READY' || o.status === 'ACTION_REQUIRED',
    );
    expect(ready.actionRequired).toBeNull();
    expect(ready.status).toBe('READY');
    expect(ready.sender?.state).toBe('ACTIVE');

    const after = await fakeCounts(setup.fakeUrl);
    expect(after).toMatchObject({
      sendzenProjects: 1,
      subprojects: 1,
      senders: 1,
      provisioningWebhooks: 1,
      conversationApps: 1,
    });
  });
});

describe('npm run sandbox:reset', () => {
  it('refuses while the gateway runs, then removes the database and the fake state, keeping the development key', async () => {
    const setup = await sandboxSetup();
    let { gateway, headers } = await start(setup);
    const onboard = await graphql(
      gateway.url,
      OnboardCustomer,
      { input: { clientIdentifier: 'reset-1', displayName: 'Reset', region: 'US' } },
      headers,
    );
    const { id } = onboard.body.data!.onboardCustomer.onboarding;
    await waitForOnboarding(gateway.url, headers, id, (o) => o.status === 'AWAITING_SIGNUP');

    const refused = runReset(setup.env);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('running');
    expect(existsSync(join(setup.dir, 'gateway.sqlite'))).toBe(true);

    await stop(gateway);
    const live = runReset({ ...setup.env, GATEWAY_MODE: 'live' });
    expect(live.status).not.toBe(0);
    expect(live.stderr).toContain('live');
    expect(existsSync(join(setup.dir, 'sandbox-state.json'))).toBe(true);

    const reset = runReset(setup.env);
    expect(reset.stderr).toBe('');
    expect(reset.status).toBe(0);
    expect(reset.stdout).toContain('gateway.sqlite');
    expect(reset.stdout).toContain('sandbox-state.json');
    expect(existsSync(join(setup.dir, 'gateway.sqlite'))).toBe(false);
    expect(existsSync(join(setup.dir, 'sandbox-state.json'))).toBe(false);
    const keyBefore = readFileSync(join(setup.dir, 'dev-api-key'), 'utf8');

    ({ gateway, headers } = await start(setup));
    // The same development key still opens GraphiQL, and there is nothing left.
    expect(readFileSync(join(setup.dir, 'dev-api-key'), 'utf8')).toBe(keyBefore);
    const list = await graphql(gateway.url, ListOnboardings, { first: 10 }, headers);
    expect(list.body.errors).toBeUndefined();
    expect(list.body.data!.onboardings.edges).toEqual([]);
    const counts = await fakeCounts(setup.fakeUrl);
    expect(Object.values(counts).every((n) => n === 0)).toBe(true);
  });
});

describe('POST /sandbox/reset', () => {
  it('wipes the onboardings and the fake together while the sandbox runs; a customer can then start afresh', async () => {
    const setup = await sandboxSetup();
    const { gateway, headers } = await start(setup);
    const onboard = await graphql(
      gateway.url,
      OnboardCustomer,
      { input: { clientIdentifier: 'route-1', displayName: 'Route', region: 'US' } },
      headers,
    );
    const { id } = onboard.body.data!.onboardCustomer.onboarding;
    await waitForOnboarding(gateway.url, headers, id, (o) => o.status === 'AWAITING_SIGNUP');
    expect((await fakeCounts(setup.fakeUrl)).sendzenProjects).toBe(1);

    // A page from elsewhere cannot reset it, and only POST does.
    const crossOrigin = await fetch(`${gateway.url}/sandbox/reset`, {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
    });
    expect(crossOrigin.status).toBe(403);
    expect((await fetch(`${gateway.url}/sandbox/reset`)).status).toBe(405);
    expect((await fakeCounts(setup.fakeUrl)).sendzenProjects).toBe(1);

    const reset = await fetch(`${gateway.url}/sandbox/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(await reset.json()).toEqual({ onboardingsDeleted: 1, fake: 'reset' });
    const list = await graphql(gateway.url, ListOnboardings, { first: 10 }, headers);
    expect(list.body.data!.onboardings.edges).toEqual([]);
    expect(Object.values(await fakeCounts(setup.fakeUrl)).every((n) => n === 0)).toBe(true);

    // The development key still works, and the same customer onboards again from the start.
    const again = await graphql(
      gateway.url,
      OnboardCustomer,
      { input: { clientIdentifier: 'route-1', displayName: 'Route', region: 'US' } },
      headers,
    );
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data!.onboardCustomer.created).toBe(true);
    const waiting = await waitForOnboarding(
      gateway.url,
      headers,
      again.body.data!.onboardCustomer.onboarding.id,
      (o) => o.status === 'AWAITING_SIGNUP' && o.iframeUrl !== null,
    );
    expect((await fetch(waiting.iframeUrl!)).status).toBe(200);
    // ...and reaches READY: the gateway's cached Sinch token, forgotten by the fake, is renewed.
    const signup = await fetch(`${setup.fakeUrl}/_sandbox/sendzen/signups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientIdentifier: 'route-1', status: 'completed' }),
    });
    expect(signup.status).toBe(200);
    const done = await waitForOnboarding(
      gateway.url,
      headers,
      waiting.id,
      (o) => o.status === 'READY' || o.status === 'ACTION_REQUIRED',
    );
    expect(done.actionRequired).toBeNull();
    expect(done.status).toBe('READY');
  });

  it('is not served by a sandbox opened to the network, nor in live mode', async () => {
    const remote = await sandboxSetup({ SANDBOX_ALLOW_REMOTE: 'true' });
    const opened = await start(remote);
    expect((await fetch(`${opened.gateway.url}/sandbox/reset`, { method: 'POST' })).status).toBe(
      404,
    );
    await stop(opened.gateway);

    const fake = await startSandbox();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'sandbox-restart-live-'));
      dirs.push(dir);
      const live = await startChildGateway(liveEnv(fake, { port: await freePort(), dir }));
      generations.push(live);
      expect((await fetch(`${live.url}/sandbox/reset`, { method: 'POST' })).status).toBe(404);
    } finally {
      await fake.close();
    }
  });
});
