// P4: N SSE subscribers, each on its own onboarding, and a mutation on each onboarding at a fixed
// open-loop rate. Every mutation's answer carries the onboarding's new version; its subscriber
// must receive that version. Measured: the delay from the mutation's answer (and from its send)
// to the event, the gateway's RSS per subscriber, and events never received.
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { dataOf, ONBOARD, type Onboarded, startGateway } from '../gateway.ts';
import {
  forEachLimited,
  graphqlOk,
  latencies,
  median,
  openLoop,
  post,
  type SseSubscription,
  subscribeSse,
} from '../load.ts';
import type { Scenario } from '../options.ts';
import { loggedProblems, treeCpuMs, treeRss, waitForIdle } from '../processes.ts';
import { fixed, kib, mib, ms, type ScenarioResult } from '../report.ts';

const SUBSCRIPTION = 'subscription($id: ID!){ onboardingUpdated(id: $id){ id version status } }';

const MUTATIONS = {
  cancel: {
    field: 'cancelOnboarding',
    query:
      'mutation($id: ID!){ cancelOnboarding(onboardingId: $id){ __typename ... on CancelOnboardingSuccess { onboarding { id version status } } } }',
  },
  refresh: {
    field: 'refreshOnboardingLink',
    query:
      'mutation($id: ID!){ refreshOnboardingLink(onboardingId: $id){ __typename ... on RefreshOnboardingLinkSuccess { onboarding { id version status } } } }',
  },
} as const;

type Update = { onboardingUpdated: { id: string; version: number; status: string } };

async function rssNow(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    samples.push(treeRss(pid).total);
    await sleep(300);
  }
  return median(samples);
}

interface Sent {
  subscriber: number;
  sentAt: number;
  answeredAt: number;
  version: number;
}

export async function runP4({ options, settings, log }: Scenario): Promise<ScenarioResult> {
  const { subscribers: wanted, rate, mutation, events } = options.p4;
  const gateway = await startGateway('p4-gateway', settings);
  const subs: SseSubscription<Update>[] = [];
  try {
    // The onboardings to watch.
    const t0 = performance.now();
    const target = gateway.graphqlTarget(32);
    const ids: string[] = [];
    let onboardErrors = 0;
    await forEachLimited(
      Array.from({ length: wanted }, (_, i) => i),
      32,
      async (i) => {
        try {
          const answer = await post(
            target,
            JSON.stringify({
              query: ONBOARD,
              variables: { input: { clientIdentifier: `p4-${i}` } },
            }),
          );
          ids.push(dataOf<Onboarded>(answer).onboardCustomer.onboarding.id);
        } catch {
          onboardErrors++;
        }
      },
      t0 + 300_000,
    );
    const made = performance.now();
    // Their first steps run in the background; the subscribers come once the gateway is idle.
    const idleLimit = options.quick ? 60_000 : 240_000;
    const idleAfter = await waitForIdle(gateway.server.pid, idleLimit);
    const busy = idleAfter >= idleLimit;
    const setup = busy
      ? `the gateway was still busy with their background steps ${idleLimit / 1000} s later (the limit): the subscribers came anyway`
      : `the gateway was idle again ${(idleAfter / 1000).toFixed(1)} s later (their background steps done: under 2% of a core for 1 s)`;
    log(`${ids.length} onboardings made in ${((made - t0) / 1000).toFixed(1)} s; ${setup}`);

    const rssBefore = await rssNow(gateway.server.pid);
    const t1 = performance.now();
    let refused = 0;
    let firstRefusal: string | undefined;
    await forEachLimited(
      ids,
      64,
      async (id, i) => {
        const sub = subscribeSse<Update>(
          gateway.url,
          { authorization: gateway.authorization },
          SUBSCRIPTION,
          { id },
        );
        subs[i] = sub;
        try {
          await Promise.race([
            sub.first,
            sleep(30_000).then(() => {
              throw new Error('no first event within 30 s');
            }),
          ]);
        } catch (error) {
          refused++;
          firstRefusal ??= String(error);
        }
      },
      t1 + 180_000,
    );
    const live = subs.filter((s) => s && s.events.length > 0 && !s.ended);
    const subscribeSeconds = (performance.now() - t1) / 1000;
    await sleep(2_000);
    const rssAfter = await rssNow(gateway.server.pid);
    const perSubscriber = (rssAfter - rssBefore) / live.length;
    log(
      `${live.length} subscribed in ${subscribeSeconds.toFixed(1)} s (${refused} refused); RSS ${mib(rssBefore)} → ${mib(rssAfter)}, ${kib(perSubscriber)} each`,
    );

    // The events: one mutation per subscriber, in turn, at the fixed rate.
    const { field, query } = MUTATIONS[mutation];
    const mutator = {
      ...gateway.graphqlTarget(1),
      pool: new Pool(gateway.url, {
        connections: 128,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      }),
    };
    const sent: Sent[] = [];
    const order = subs
      .map((s, i) => (s && s.events.length > 0 && !s.ended ? i : -1))
      .filter((i) => i >= 0);
    // A second cancel changes nothing: with cancel, one event per subscriber at most.
    const count = mutation === 'cancel' ? Math.min(events, order.length) : events;
    const cpuAtStart = treeCpuMs(gateway.server.pid);
    const firstSent = performance.now();
    const loop = await openLoop({
      rate,
      durationMs: (count / rate) * 1000,
      drainMs: 60_000,
      send: async (n) => {
        const subscriber = order[n % order.length]!;
        const sentAt = performance.now();
        const answer = await post(
          mutator,
          JSON.stringify({ query, variables: { id: ids[subscriber] } }),
        );
        const answeredAt = performance.now();
        if (!graphqlOk(answer)) return `${answer.status} ${answer.body.slice(0, 200)}`;
        const result = (
          JSON.parse(answer.body) as { data: Record<string, { onboarding?: { version: number } }> }
        ).data[field];
        if (!result?.onboarding) return answer.body.slice(0, 200);
        sent.push({ subscriber, sentAt, answeredAt, version: result.onboarding.version });
        return true;
      },
    });
    const cpuPerEvent = (treeCpuMs(gateway.server.pid) - cpuAtStart) / sent.length;
    const lastAnswer = sent.length ? Math.max(...sent.map((s) => s.answeredAt)) : performance.now();
    const achieved = sent.length / ((lastAnswer - firstSent) / 1000);

    // Whatever has not arrived within 10 s of the last answer is lost.
    const arrival = (s: Sent) =>
      subs[s.subscriber]!.events.find((e) => (e.data?.onboardingUpdated.version ?? 0) >= s.version)
        ?.at;
    const waitUntil = performance.now() + 10_000;
    while (performance.now() < waitUntil && sent.some((s) => arrival(s) === undefined))
      await sleep(100);
    const fromAnswer: number[] = [];
    const fromSend: number[] = [];
    let beforeAnswer = 0;
    let lost = 0;
    for (const s of sent) {
      const at = arrival(s);
      if (at === undefined) {
        lost++;
        continue;
      }
      if (at < s.answeredAt) beforeAnswer++;
      fromAnswer.push(Math.max(0, at - s.answeredAt));
      fromSend.push(at - s.sentAt);
    }
    const dropped = subs.filter((s) => s?.ended).length;
    const fa = latencies(fromAnswer);
    const fs = latencies(fromSend);
    log(
      `${sent.length} events at ${fixed(achieved, 0)}/s; delivery after answer p50 ${ms(fa.p50)} p99 ${ms(fa.p99)}; after send p50 ${ms(fs.p50)} p99 ${ms(fs.p99)}; lost ${lost}`,
    );
    await mutator.pool.close();
    const problems = loggedProblems(gateway.server.log);
    const fmtMap = (m: Map<string, number>) =>
      m.size === 0 ? 'none' : [...m].map(([k, n]) => `${n} × ${k}`).join('; ');

    return {
      id: 'P4',
      title: `${wanted} SSE subscribers, ${rate} events/s`,
      rows: [
        {
          measure: 'subscribers connected (first event received)',
          baseline: '',
          gateway: `${live.length} of ${wanted} in ${subscribeSeconds.toFixed(0)} s${busy ? ' (gateway busy)' : ''}`,
          comparison: '',
          target: String(wanted),
        },
        {
          measure: 'delivery after the mutation’s answer p50 / p99',
          baseline: '',
          gateway: `${ms(fa.p50)} / ${ms(fa.p99)}`,
          comparison: '',
          target: 'p99 ≤ 10 ms',
        },
        {
          measure: 'delivery after the mutation was sent p50 / p99',
          baseline: '',
          gateway: `${ms(fs.p50)} / ${ms(fs.p99)}`,
          comparison: '',
          target: '',
        },
        {
          measure: `events/s achieved (asked ${rate})`,
          baseline: '',
          gateway: fixed(achieved, 0),
          comparison: '',
          target: `${rate}/s`,
        },
        {
          measure: `CPU of the gateway process per event (${field} + delivery)`,
          baseline: '',
          gateway: `${fixed(cpuPerEvent * 1000, 0)} µs`,
          comparison: '',
          target: '',
        },
        {
          measure: 'gateway RSS per subscriber',
          baseline: '',
          gateway: kib(perSubscriber),
          comparison: '',
          target: '≤ 40 KB',
        },
        {
          measure: 'events lost',
          baseline: '',
          gateway: `${lost} of ${sent.length}`,
          comparison: '',
          target: '0',
        },
      ],
      notes: [
        `${ids.length} onboardings made with onboardCustomer (${onboardErrors} failed) in ${((made - t0) / 1000).toFixed(1)} s; ${setup}. Then one SSE subscription each (\`${SUBSCRIPTION}\`, POST with Accept: text/event-stream, one connection per subscriber, on node:http): ${live.length} received their first event (the current state) in ${subscribeSeconds.toFixed(1)} s; ${refused} refused or silent${firstRefusal ? ` (first: ${firstRefusal.slice(0, 200)})` : ''}.`,
        `Events: \`${field}\` on each subscribed onboarding in turn, open loop at ${rate}/s (${loop.sent} sent, ${loop.errors} failed or not answered within 60 s${loop.firstError ? `, first: ${loop.firstError.slice(0, 200)}` : ''}, ${loop.unanswered} unanswered; mutation latency p50 ${ms(loop.p50)} p99 ${ms(loop.p99)} from the scheduled send). Its answer carries the onboarding's new version; the event counts when the subscriber receives that version or a later one.`,
        `Delivery after the answer is clamped at 0: ${beforeAnswer} of ${fromAnswer.length} events arrived before their mutation's answer. Lost: not received within 10 s of the last answer. Subscriptions that ended early: ${dropped}.`,
        "CPU per event: user + system CPU time of the gateway's process tree while the mutations ran and were answered ÷ mutations answered.",
        `RSS per subscriber: (RSS of the gateway's process tree with the subscribers − before them) ÷ subscribers; each the median of 3 samples, 2 s after the last subscription opened. ${mib(rssBefore)} → ${mib(rssAfter)}. KB here is 1024 bytes.`,
        `Gateway log (warn and above): ${fmtMap(problems)}.`,
      ],
      rounds: [],
    };
  } finally {
    for (const sub of subs) sub?.close();
    await gateway.stop();
  }
}
