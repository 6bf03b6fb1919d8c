// Several instances, one PostgreSQL and one Redis: three gateway processes behind a round-robin
// balancer (which is also the public URL the fake calls back), 300 customers driven through them,
// one instance SIGKILLed midway. Every onboarding must reach READY, nothing may be created twice
// upstream, and a subscriber on one instance must see every version of an onboarding that another
// instance drives.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChildGateway,
  freePort,
  killAllChildGateways,
  liveEnv,
  startChildGateway,
} from '../support/child-gateway.ts';
import { createTestDatabase, dropTestDatabase } from '../support/databases.ts';
import { type Sandbox, startSandbox } from '../support/fake.ts';
import { graphql, subscribeSse } from '../support/gateway.ts';
import {
  ListOnboardings,
  OnboardCustomer,
  type OnboardingPage,
  type OnboardingView,
  ReadEventPage,
  ReadOnboarding,
  WatchOnboarding,
} from '../support/operations.ts';
import { until } from '../support/windows.ts';

/** TEST_SCALE_CUSTOMERS makes a smaller run, to look into a failure quickly. */
const CUSTOMERS = Number(process.env.TEST_SCALE_CUSTOMERS ?? 300);
const CONCURRENCY = 12;
/** Short, so the killed instance's claims pass to the others within the test. */
const LEASE_MS = 3_000;
/** Only a real hang gets near this: the run takes a minute or two on a loaded 2-core machine. */
const RUN_DEADLINE_MS = 8 * 60_000;

interface Instance {
  name: string;
  child: ChildGateway & { url: string };
  alive: boolean;
}

let sandbox: Sandbox;
let databaseUrl: string;
let balancer: { url: string; server: Server };
let instances: Instance[] = [];
let headers: Record<string, string>;
const dirs: string[] = [];

/**
 * Forwards each request to the next live instance, and to the one after when an instance does not
 * answer: what a load balancer in front of the gateways does, health checks aside.
 */
async function startBalancer(): Promise<{ url: string; server: Server }> {
  let next = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const forward: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)) continue;
      if (typeof value === 'string') forward[name] = value;
    }
    for (let tries = 0; tries < instances.length; tries++) {
      const instance = instances[next++ % instances.length]!;
      if (!instance.alive) continue;
      try {
        const answer = await fetch(`${instance.child.url}${req.url}`, {
          method: req.method,
          headers: forward,
          body,
        });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' });
        res.end(Buffer.from(await answer.arrayBuffer()));
        return;
      } catch {
        // That instance is gone: the next one.
      }
    }
    res.writeHead(502).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

beforeAll(async () => {
  sandbox = await startSandbox({ senderActivationMs: 0, callbackRetryDelaysMs: [50, 200, 1000] });
  databaseUrl = await createTestDatabase();
  balancer = await startBalancer();
  const shared = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `gwtest-${randomBytes(6).toString('hex')}:`,
    SECRETS_KEY: randomBytes(32).toString('base64'),
    PUBLIC_URL: balancer.url,
    STEP_LEASE_MS: String(LEASE_MS),
    SENDER_POLL_AFTER_MS: '2000',
    LOG_LEVEL: 'warn',
  };
  let bootstrapKey: string | undefined;
  const envs = [];
  for (const name of ['first', 'second', 'third']) {
    const dir = mkdtempSync(join(tmpdir(), `gateway-scale-${name}-`));
    dirs.push(dir);
    const env = liveEnv(sandbox, { port: await freePort(), dir, overrides: shared });
    // One partner key for all: the first instance creates it, the others find it.
    bootstrapKey ??= env.BOOTSTRAP_API_KEY!;
    env.BOOTSTRAP_API_KEY = bootstrapKey;
    envs.push({ name, env });
  }
  headers = { authorization: `Bearer ${bootstrapKey}` };
  // Started together: they race to apply the migrations, which one of them must do alone.
  instances = await Promise.all(
    envs.map(async ({ name, env }) => ({ name, child: await startChildGateway(env), alive: true })),
  );
});

afterAll(async () => {
  await killAllChildGateways();
  await new Promise((done) => balancer?.server.close(done));
  await sandbox?.close();
  if (databaseUrl) await dropTestDatabase(databaseUrl);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function readyCount(instance: Instance): Promise<number> {
  const text = await (await fetch(`${instance.child.url}/metrics`)).text();
  const line = /^gateway_onboardings\{status="READY"\} (\d+)$/m.exec(text);
  return line ? Number(line[1]) : 0;
}

async function allOnboardings(instance: Instance) {
  const nodes: { id: string; status: string; clientIdentifier: string }[] = [];
  let after: string | null = null;
  for (;;) {
    const res: Awaited<ReturnType<typeof graphql<{ onboardings: OnboardingPage }>>> = await graphql(
      instance.child.url,
      ListOnboardings,
      { first: 100, ...(after ? { after } : {}) },
      headers,
    );
    expect(res.body.errors).toBeUndefined();
    const page = res.body.data!.onboardings;
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return nodes;
    after = page.pageInfo.endCursor;
  }
}

/** What the onboardings that are not READY wait for: the failure message of a run that hung. */
async function stragglers(instance: Instance): Promise<string> {
  const waiting = (await allOnboardings(instance)).filter((o) => o.status !== 'READY');
  const shown = await Promise.all(
    waiting.slice(0, 5).map(async (o) => {
      const res = await graphql(instance.child.url, ReadOnboarding, { id: o.id }, headers);
      const view = res.body.data?.onboarding;
      const steps = view?.steps.map((s) => `${s.name}:${s.status}`).join(' ');
      return `${o.clientIdentifier} ${o.status} [${steps}]`;
    }),
  );
  return `${waiting.length} not READY; ${shown.join('; ')}`;
}

describe('three instances on one PostgreSQL and one Redis', () => {
  it(
    'bring 300 customers to READY through a SIGKILL, create nothing twice, and share every version',
    async () => {
      const [first, second, third] = instances as [Instance, Instance, Instance];

      // The watched onboarding: started through the first instance, watched on the third.
      const watchedRes = await graphql(
        first.child.url,
        OnboardCustomer,
        { input: { clientIdentifier: 'scale-watched' } },
        headers,
      );
      expect(watchedRes.body.errors).toBeUndefined();
      const watchedId = watchedRes.body.data!.onboardCustomer.onboarding.id;
      const watch = await subscribeSse(
        third.child.url,
        WatchOnboarding,
        { id: watchedId },
        headers,
      );
      await watch.waitFor(() => true);
      await sandbox.control('POST', '/sendzen/signups', {
        clientIdentifier: 'scale-watched',
        status: 'completed',
      });

      let started = 0;
      let killed: Promise<unknown> | undefined;
      const onboard = async (i: number) => {
        const clientIdentifier = `scale-customer-${i}`;
        // Round-robin over the instances still alive; a call cut off by the kill goes to the next
        // (onboardCustomer is idempotent per customer).
        let answer: OnboardingView | undefined;
        for (let attempt = 0; !answer; attempt++) {
          const live = instances.filter((x) => x.alive);
          const instance = live[(i + attempt) % live.length]!;
          try {
            const res = await graphql(
              instance.child.url,
              OnboardCustomer,
              { input: { clientIdentifier } },
              headers,
            );
            if (attempt >= 5 && res.body.errors) throw new Error(JSON.stringify(res.body.errors));
            answer = res.body.data?.onboardCustomer.onboarding;
          } catch (error) {
            if (attempt >= 5) throw error;
          }
        }
        // The link can come later than the answer when the instance that ran the SendZen step died
        // mid-call: a page then gets it on its subscription; this driver asks until it is there.
        if (!answer.iframeUrl) {
          const id = answer.id;
          await until(async () => {
            const live = instances.find((x) => x.alive)!;
            const res = await graphql(live.child.url, ReadOnboarding, { id }, headers);
            return res.body.data?.onboarding?.iframeUrl ? true : undefined;
          }, RUN_DEADLINE_MS);
        }
        await sandbox.control('POST', '/sendzen/signups', {
          clientIdentifier,
          status: 'completed',
        });
        started++;
        if (started === CUSTOMERS / 2 && !killed) {
          // Midway, with steps of every kind in flight on every instance.
          second.alive = false;
          killed = second.child.kill('SIGKILL');
        }
      };
      let nextCustomer = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (nextCustomer < CUSTOMERS) await onboard(nextCustomer++);
        }),
      );
      expect((await killed) as { signal: string }).toMatchObject({ signal: 'SIGKILL' });

      // Every onboarding READY, as the two survivors count them.
      await until(
        async () => ((await readyCount(third)) === CUSTOMERS + 1 ? true : undefined),
        RUN_DEADLINE_MS,
      ).catch(async (error) => {
        throw new Error(`${error}: ${await stragglers(third)}`);
      });
      const all = await allOnboardings(first);
      expect(all).toHaveLength(CUSTOMERS + 1);
      expect(all.filter((o) => o.status !== 'READY')).toEqual([]);

      // Exactly one of each upstream resource per customer, ever (deleted ones count too).
      const state = await sandbox.control<{
        records: {
          subprojects: { labels?: Record<string, string> }[];
          senders: { projectId: string }[];
          provisioningWebhooks: { projectId: string }[];
          conversationApps: { projectId: string }[];
          conversationWebhooks: { app_id: string }[];
        };
      }>('GET', '/state');
      const perOwner = (owners: string[]) => {
        const counts = new Map<string, number>();
        for (const owner of owners) counts.set(owner, (counts.get(owner) ?? 0) + 1);
        return { owners: counts.size, most: Math.max(...counts.values()) };
      };
      const r = state.records;
      const one = { owners: CUSTOMERS + 1, most: 1 };
      expect({
        subprojects: perOwner(r.subprojects.map((s) => s.labels?.['gateway-onboarding-id'] ?? '')),
        provisioningWebhooks: perOwner(r.provisioningWebhooks.map((w) => w.projectId)),
        senders: perOwner(r.senders.map((s) => s.projectId)),
        conversationApps: perOwner(r.conversationApps.map((a) => a.projectId)),
        conversationWebhooks: perOwner(r.conversationWebhooks.map((w) => w.app_id)),
      }).toEqual({
        subprojects: one,
        provisioningWebhooks: one,
        senders: one,
        conversationApps: one,
        conversationWebhooks: one,
      });

      // The subscriber on the third instance saw every version the first drove, in order.
      const final = await watch.waitFor((v) => v.onboardingUpdated.status === 'READY');
      await watch.close();
      const versions = watch.values.map((v) => v.onboardingUpdated.version);
      const from = versions[0]!;
      expect(versions).toEqual(
        Array.from({ length: final.onboardingUpdated.version - from + 1 }, (_, i) => from + i),
      );
      const log = await graphql(
        third.child.url,
        ReadEventPage,
        { id: watchedId, first: 100 },
        headers,
      );
      const logged = log.body.data!.onboarding!.events.edges.map((e) => e.node.version);
      expect(Math.max(...logged)).toBe(final.onboardingUpdated.version);
    },
    RUN_DEADLINE_MS + 120_000,
  );
});
