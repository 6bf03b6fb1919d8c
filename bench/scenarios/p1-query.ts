// P1: one onboarding read over HTTP POST /graphql with an API key, closed loop, against a plain
// yoga answering `{ hello }` in its own process.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GRAPHQL_HEADERS,
  HELLO,
  ONBOARD,
  type Onboarded,
  startGateway,
  startPlainYoga,
} from '../gateway.ts';
import { type ClosedLoopResult, closedLoop, graphqlOk, median, pool } from '../load.ts';
import type { Scenario } from '../options.ts';
import { treeCpuMs } from '../processes.ts';
import { fixed, ms, ratio, type ScenarioResult } from '../report.ts';

export const P1_QUERY =
  'query($id: ID!){ onboarding(id: $id) { id status steps { name status } } }';

export async function runP1({ options, settings, log }: Scenario): Promise<ScenarioResult> {
  const { connections, seconds, warmupSeconds } = options.p1;
  const yoga = await startPlainYoga('p1-yoga', settings);
  const gateway = await startGateway('p1-gateway', settings).catch(async (error: unknown) => {
    await yoga.stop();
    throw error;
  });
  try {
    const { onboardCustomer } = await gateway.gql<Onboarded>(ONBOARD, {
      input: { clientIdentifier: 'bench-p1' },
    });
    const id = onboardCustomer.onboarding.id;
    // Its first steps (subproject, provisioning webhook) run in the background: let them finish.
    await sleep(2_000);

    const baseline = {
      pool: pool(yoga.url, connections),
      path: '/graphql',
      headers: GRAPHQL_HEADERS,
    };
    const subject = gateway.graphqlTarget(connections);
    const gatewayBody = JSON.stringify({ query: P1_QUERY, variables: { id } });
    const loop = { connections, warmupMs: warmupSeconds * 1000, durationMs: seconds * 1000 };
    const baseCpu = () => treeCpuMs(yoga.server.pid);
    const gatewayCpu = () => treeCpuMs(gateway.server.pid);
    const base: ClosedLoopResult[] = [];
    const gw: ClosedLoopResult[] = [];
    const rounds: string[] = [];
    const line = (who: string, r: number, x: ClosedLoopResult) =>
      `round ${r} ${who.padEnd(8)} ${fixed(x.perSecond, 0).padStart(7)} req/s  p50 ${ms(x.p50)}  p99 ${ms(x.p99)}  CPU ${fixed(x.cpuPerRequest * 1000, 0)} µs/req  errors ${x.errors}${x.firstError ? ` (${x.firstError.slice(0, 200)})` : ''}`;
    for (let r = 1; r <= options.rounds; r++) {
      const b = await closedLoop({
        ...loop,
        target: baseline,
        cpu: baseCpu,
        body: () => HELLO,
        ok: (a) => graphqlOk(a) && a.body.includes('"hello":"world"'),
      });
      base.push(b);
      rounds.push(line('baseline', r, b));
      log(rounds.at(-1)!);
      const g = await closedLoop({
        ...loop,
        target: subject,
        cpu: gatewayCpu,
        body: () => gatewayBody,
        ok: (a) => graphqlOk(a) && a.body.includes('"steps":['),
      });
      gw.push(g);
      rounds.push(line('gateway', r, g));
      log(rounds.at(-1)!);
    }
    await Promise.allSettled([baseline.pool.close(), subject.pool.close()]);

    const m = (xs: ClosedLoopResult[], f: (x: ClosedLoopResult) => number) => median(xs.map(f));
    const baseRps = m(base, (x) => x.perSecond);
    const gwRps = m(gw, (x) => x.perSecond);
    const baseCpuPer = m(base, (x) => x.cpuPerRequest);
    const gwCpuPer = m(gw, (x) => x.cpuPerRequest);
    const errors = gw.reduce((n, x) => n + x.errors, 0) + base.reduce((n, x) => n + x.errors, 0);
    return {
      id: 'P1',
      title: 'onboarding(id) query, closed loop',
      rows: [
        {
          measure: `req/s, ${connections} connections`,
          baseline: fixed(baseRps, 0),
          gateway: fixed(gwRps, 0),
          comparison: ratio(gwRps / baseRps),
          target: '≥ 0.80×',
        },
        {
          measure: 'server CPU per request',
          baseline: `${fixed(baseCpuPer * 1000, 0)} µs`,
          gateway: `${fixed(gwCpuPer * 1000, 0)} µs`,
          comparison: ratio(gwCpuPer / baseCpuPer),
          target: '',
        },
        {
          measure: 'latency p50 / p99',
          baseline: `${ms(m(base, (x) => x.p50))} / ${ms(m(base, (x) => x.p99))}`,
          gateway: `${ms(m(gw, (x) => x.p50))} / ${ms(m(gw, (x) => x.p99))}`,
          comparison: '',
          target: '',
        },
      ],
      notes: [
        `Closed loop: ${connections} connections (undici Pool, keep-alive), each sending its next POST /graphql as soon as the previous answer is read; ${warmupSeconds} s warm-up then ${seconds} s counted, per round; ${options.rounds} rounds each, interleaved.`,
        "Baseline: `bench/plain-yoga.mjs` (createYoga + node:http, `type Query { hello: String }`) answering `{ hello }`, started with plain node like the gateway's compiled build.",
        `Gateway: \`${P1_QUERY}\` for one onboarding made by onboardCustomer, with an admin API key (Authorization: Bearer).`,
        "Server CPU per request: user + system CPU time of the server's process tree (from /proc, 10 ms ticks) over the counted window ÷ answers counted. Unlike req/s it hardly depends on what else the machine runs.",
        `An answer counts only when it is a 200 with the expected data and no errors; errors seen: ${errors}.`,
      ],
      rounds,
    };
  } finally {
    await Promise.allSettled([gateway.stop(), yoga.stop()]);
  }
}
