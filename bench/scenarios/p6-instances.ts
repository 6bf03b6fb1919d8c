// P6: the same N customers to READY through one gateway instance, then through three, each time on
// a fresh PostgreSQL database with events through Redis (how several instances run). The compiled
// gateways run in live mode against one fake in this process, which activates senders at once;
// customers are spread round-robin over the instances. READY is read off the first instance's
// `gateway_onboardings{status="READY"}` gauge (one query of the shared database per look).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Pool } from 'undici';
import { startFakeUpstreams } from '../../mocks/serve.ts';
import { sandboxUpstreamEnv } from '../../src/sandbox.ts';
import { dataOf, GRAPHQL_HEADERS, newApiKey, ONBOARD, type Onboarded } from '../gateway.ts';
import { forEachLimited, post } from '../load.ts';
import type { Scenario } from '../options.ts';
import {
  freePort,
  removeDir,
  type Server,
  startProcess,
  tempDir,
  waitUntilAnswering,
} from '../processes.ts';
import { fixed, type ScenarioResult } from '../report.ts';

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

interface Run {
  instances: number;
  perSecond: number;
  seconds: number;
  ready: number;
}

async function runWith(count: number, { options, settings, log }: Scenario): Promise<Run> {
  const { customers, concurrency, timeoutSeconds } = options.p6;
  const database = `gwbench_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const fake = await startFakeUpstreams({ port: 0, log: false, senderActivationMs: 0 });
  const dir = tempDir(`p6-${count}`);
  const key = newApiKey();
  const servers: Server[] = [];
  try {
    const shared = {
      GATEWAY_MODE: 'live',
      HOST: '127.0.0.1',
      DATABASE_URL: url.toString(),
      DATABASE_FILE: `${dir}/unused.sqlite`,
      REDIS_URL,
      REDIS_KEY_PREFIX: `${database}:`,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      BOOTSTRAP_API_KEY: key,
      LOG_LEVEL: 'warn',
      STEP_RETRY_BASE_MS: '100',
      STEP_CONCURRENCY: String(settings.stepConcurrency),
      // The bench measures the gateway, not its limiter: P4 alone sends 5,000 mutations in seconds.
      RATE_LIMIT_KEY_PER_MINUTE: '0',
      ...sandboxUpstreamEnv(fake),
    };
    // One after the other: the first applies the migrations, as a rolling start would.
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const server = startProcess({
        name: `p6-${count}-instance-${i + 1}`,
        command: 'exec node dist/src/main.js',
        pin: settings.pin,
        dir,
        port,
        env: { ...shared, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` },
      });
      servers.push(server);
      await waitUntilAnswering(server, '/readyz');
    }
    const targets = servers.map((server) => ({
      pool: new Pool(server.url, { connections: concurrency }),
      path: '/graphql',
      headers: { ...GRAPHQL_HEADERS, authorization: `Bearer ${key}` },
    }));
    const signups = new Pool(fake.url, { connections: concurrency });
    const readyNow = async () => {
      const text = await (await fetch(`${servers[0]!.url}/metrics`)).text();
      return Number(/^gateway_onboardings\{status="READY"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };

    const t0 = performance.now();
    const deadline = t0 + timeoutSeconds * 1000;
    await forEachLimited(
      Array.from({ length: customers }, (_, i) => i),
      concurrency,
      async (i) => {
        const clientIdentifier = `p6-customer-${i}`;
        const answer = await post(
          targets[i % targets.length]!,
          JSON.stringify({ query: ONBOARD, variables: { input: { clientIdentifier } } }),
        );
        dataOf<Onboarded>(answer);
        const res = await signups.request({
          method: 'POST',
          path: '/_sandbox/sendzen/signups',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ clientIdentifier, status: 'completed' }),
        });
        await res.body.text();
      },
      deadline,
    );
    let ready = await readyNow();
    while (ready < customers && performance.now() < deadline) {
      await sleep(200);
      ready = await readyNow();
    }
    const seconds = (performance.now() - t0) / 1000;
    log(`${count} instance(s): ${ready} of ${customers} READY in ${seconds.toFixed(1)} s`);
    await Promise.allSettled([...targets.map((t) => t.pool.close()), signups.close()]);
    return { instances: count, perSecond: ready / seconds, seconds, ready };
  } finally {
    await Promise.allSettled(servers.map((s) => s.stop()));
    await fake.close();
    await admin(`drop database if exists ${database} with (force)`);
    removeDir(dir);
  }
}

export async function runP6(scenario: Scenario): Promise<ScenarioResult> {
  const one = await runWith(1, scenario);
  const three = await runWith(3, scenario);
  const { customers, concurrency } = scenario.options.p6;
  return {
    id: 'P6',
    title: `${customers} customers to READY on PostgreSQL and Redis, 1 and 3 instances`,
    rows: [
      {
        measure: `onboardings/s to READY, ${customers} customers`,
        baseline: `${fixed(one.perSecond, 1)} (1 instance)`,
        gateway: `${fixed(three.perSecond, 1)} (3 instances)`,
        comparison: `${fixed(three.perSecond / one.perSecond, 2)}×`,
        target: 'reported',
      },
      {
        measure: 'READY within the time limit',
        baseline: `${one.ready} of ${customers} in ${one.seconds.toFixed(1)} s`,
        gateway: `${three.ready} of ${customers} in ${three.seconds.toFixed(1)} s`,
        comparison: '',
        target: 'all',
      },
    ],
    notes: [
      `Each run: a fresh PostgreSQL database, a Redis key prefix of its own, the fake in the bench's process (senders active at once), and the compiled gateway (\`node dist/src/main.js\`, live mode) started ${'1 and then 3 times'}; ${concurrency} workers (closed loop) each do onboardCustomer on the next instance round-robin, then the fake's signup control. onboardings/s = READY ÷ time from the first onboardCustomer until all are READY.`,
      `The instances share the cores the bench gives servers (${scenario.settings.pin.length ? 'pinned to one core' : 'not pinned'}), as does PostgreSQL: on this 2-core machine the 3-instance figure measures what coordinating through the database and Redis costs, not added capacity, which needs cores or hosts of its own.`,
    ],
    rounds: [],
  };
}
