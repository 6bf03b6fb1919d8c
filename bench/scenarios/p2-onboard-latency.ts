// P2: onboardCustomer with a new client identifier each time, at a fixed open-loop rate, against
// the call it makes upstream (the fake's SendZen onboard endpoint, POSTed directly) at the same
// rate. The difference is what the gateway adds to a customer's wait.
import { setTimeout as sleep } from 'node:timers/promises';
import { ONBOARD, startGateway } from '../gateway.ts';
import {
  closedLoop,
  graphqlOk,
  median,
  type OpenLoopResult,
  openLoop,
  pool,
  post,
} from '../load.ts';
import type { Scenario } from '../options.ts';
import { treeCpuMs, waitForIdle } from '../processes.ts';
import { fixed, ms, ratio, type ScenarioResult, signedMs } from '../report.ts';

const SENDZEN_ONBOARD = '/sendzen/v1/partner/onboard';

export async function runP2({ options, settings, log }: Scenario): Promise<ScenarioResult> {
  const { seconds } = options.p2;
  const gateway = await startGateway('p2-gateway', settings);
  try {
    const overview = await gateway.control<{ credentials: { sendzenPartnerKey: string } }>(
      'GET',
      '',
    );
    const direct = {
      pool: pool(gateway.fakeUrl, 64),
      path: SENDZEN_ONBOARD,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${overview.credentials.sendzenPartnerKey}`,
      },
    };
    const subject = gateway.graphqlTarget(64);
    let probes = 0;

    // How many onboardCustomer a second the gateway answers at most (closed loop, 8 connections):
    // the open loop must stay well below it, or it measures a queue.
    const probe = await closedLoop({
      target: subject,
      body: () =>
        JSON.stringify({
          query: ONBOARD,
          variables: { input: { clientIdentifier: `p2-probe-${probes++}` } },
        }),
      ok: (a) => {
        return graphqlOk(a) && a.body.includes('"created":true');
      },
      connections: 8,
      warmupMs: options.quick ? 1_000 : 2_000,
      durationMs: options.quick ? 2_000 : 3_000,
    });
    const capacity = probe.perSecond;
    const rate =
      options.p2.rate ??
      Math.max(5, Math.min(options.p2.maxRate, Math.floor(capacity / 2 / 5) * 5));
    log(
      `onboardCustomer capacity ${fixed(capacity, 0)}/s (closed loop, 8 connections); open loop at ${rate}/s`,
    );
    const baselineRound = (tag: string, durationMs: number) =>
      openLoop({
        rate,
        durationMs,
        send: async (i) => {
          const a = await post(
            direct,
            JSON.stringify({
              client_identifier: `p2-direct-${tag}-${i}`,
              client_webhook_url: `${gateway.url}/webhooks/sendzen/bench-${tag}-${i}/token`,
            }),
          );
          return (
            (a.status === 200 && a.body.includes('"iframe_url"')) ||
            `${a.status} ${a.body.slice(0, 200)}`
          );
        },
      });
    const gatewayRound = async (tag: string, durationMs: number) => {
      const result = await openLoop({
        rate,
        durationMs,
        send: async (i) => {
          const a = await post(
            subject,
            JSON.stringify({
              query: ONBOARD,
              variables: { input: { clientIdentifier: `p2-gateway-${tag}-${i}` } },
            }),
          );
          return (
            (graphqlOk(a) && a.body.includes('"created":true')) ||
            `${a.status} ${a.body.slice(0, 300)}`
          );
        },
      });
      return result;
    };

    // Warm both paths (JIT, pools, the OAuth token) before anything counts.
    await baselineRound('warm', 1_000);
    await gatewayRound('warm', 1_000);
    const settleNotes: string[] = [];
    settleNotes.push(
      `capacity probe and warm-up: ${((await waitForIdle(gateway.server.pid, 120_000)) / 1000).toFixed(1)} s`,
    );

    // What the process burns doing nothing (timers, the step runner's polling): part of every
    // CPU-per-request figure below, and the larger part at a low rate.
    const idleFrom = treeCpuMs(gateway.server.pid);
    await sleep(2_000);
    const idleCpu = (treeCpuMs(gateway.server.pid) - idleFrom) / 2;

    const base: OpenLoopResult[] = [];
    const gw: OpenLoopResult[] = [];
    const rounds: string[] = [];
    const line = (who: string, r: number, x: OpenLoopResult, cpuMs: number) =>
      `round ${r} ${who.padEnd(8)} sent ${x.sent}  p50 ${ms(x.p50)}  p99 ${ms(x.p99)}  max ${ms(x.max)}  CPU ${fixed(cpuMs * 1000, 0)} µs/req  errors ${x.errors}  unanswered ${x.unanswered}  max send lag ${ms(x.maxSendLag)}${x.firstError ? `  first error: ${x.firstError.slice(0, 200)}` : ''}`;
    const cpu = () => treeCpuMs(gateway.server.pid);
    const baseCpu: number[] = [];
    const gwCpu: number[] = [];
    for (let r = 1; r <= options.rounds; r++) {
      let cpuBefore = cpu();
      const b = await baselineRound(String(r), seconds * 1000);
      baseCpu.push((cpu() - cpuBefore) / b.ok);
      base.push(b);
      rounds.push(line('baseline', r, b, baseCpu.at(-1)!));
      log(rounds.at(-1)!);
      cpuBefore = cpu();
      const g = await gatewayRound(String(r), seconds * 1000);
      // Each onboarding's first Sinch steps run after the answer: their CPU is the onboarding's
      // too, and they must be done before the next round.
      const waited = await waitForIdle(gateway.server.pid, 120_000);
      gwCpu.push((cpu() - cpuBefore) / g.ok);
      gw.push(g);
      rounds.push(line('gateway', r, g, gwCpu.at(-1)!));
      log(rounds.at(-1)!);
      settleNotes.push(`round ${r}: ${(waited / 1000).toFixed(1)} s`);
      rounds.push(`round ${r} gateway idle again ${(waited / 1000).toFixed(1)} s after the round`);
    }
    await Promise.allSettled([direct.pool.close(), subject.pool.close()]);

    const m = (xs: OpenLoopResult[], f: (x: OpenLoopResult) => number) => median(xs.map(f));
    const [bp50, bp99, gp50, gp99] = [
      m(base, (x) => x.p50),
      m(base, (x) => x.p99),
      m(gw, (x) => x.p50),
      m(gw, (x) => x.p99),
    ];
    const errors = [...base, ...gw].reduce((n, x) => n + x.errors + x.unanswered, 0);
    return {
      id: 'P2',
      title: `onboardCustomer at ${rate}/s, open loop`,
      rows: [
        {
          measure: `latency p50 at ${rate}/s`,
          baseline: ms(bp50),
          gateway: ms(gp50),
          comparison: signedMs(gp50 - bp50),
          target: 'added ≤ 1 ms',
        },
        {
          measure: `latency p99 at ${rate}/s`,
          baseline: ms(bp99),
          gateway: ms(gp99),
          comparison: signedMs(gp99 - bp99),
          target: 'added ≤ 5 ms',
        },
        {
          measure: 'CPU of the gateway process per request',
          baseline: `${fixed(median(baseCpu) * 1000, 0)} µs`,
          gateway: `${fixed(median(gwCpu) * 1000, 0)} µs`,
          comparison: ratio(median(gwCpu) / median(baseCpu)),
          target: '',
        },
      ],
      notes: [
        `Rate: ${options.p2.rate === undefined ? `${rate}/s = min(${options.p2.maxRate}/s, half the gateway's onboardCustomer capacity measured just before: ${fixed(capacity, 0)}/s closed loop on 8 connections)` : `${rate}/s (--rate)`}.`,
        `Open loop at ${rate} requests/s for ${seconds} s per round (${rate * seconds} requests), ${options.rounds} rounds each, interleaved, after a 1 s warm-up of each; latency from each request's scheduled send time to its whole answer (no coordinated omission). Up to 64 keep-alive connections.`,
        `Baseline: POST ${SENDZEN_ONBOARD} on the fake (inside the gateway's process, as in \`npm start\`) with the sandbox partner key, a new client_identifier and a client_webhook_url each time: the one call onboardCustomer makes before answering.`,
        'Gateway: `onboardCustomer(input: {clientIdentifier})` with a new identifier each time, selecting `created sessionToken onboarding { id status version iframeUrl }`.',
        `Each new onboarding also starts its Sinch subproject and provisioning webhook in the background, on the same core; after each gateway round the bench waits until the process is idle (under 2% of a core for 1 s, /proc) so that the next baseline round runs on a quiet process. Waits, the idle second included: ${settleNotes.join('; ')}.`,
        "CPU per request: user + system CPU time of the gateway's process tree (the fake runs in it, as in `npm start`) ÷ answers. Baseline: over the round. Gateway: from the round's start until the process is idle again, so each onboarding's background steps (and the fake's work for them) count.",
        `The idle process itself used ${idleCpu.toFixed(1)} ms of CPU per second (2 s measured before the rounds); at ${rate}/s that is ${fixed((idleCpu / rate) * 1000, 0)} µs of each request's figure.`,
        `Failed or unanswered requests: ${errors}.`,
      ],
      rounds,
    };
  } finally {
    await gateway.stop();
  }
}
