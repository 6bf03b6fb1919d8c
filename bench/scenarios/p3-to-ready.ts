// P3: N customers from onboardCustomer to READY, with automatic provisioning and senders that
// activate at once. Each signup is completed the way the fake's iframe button does it (the
// sandbox control `POST /_sandbox/sendzen/signups`, which makes the fake send SendZen's webhook to
// the gateway). READY is seen on the `onboardingsUpdated(status: [READY])` feed, checked by polling.
// Afterwards the fake's state says whether anything was created twice upstream, and its journal
// whether any callback to the gateway failed or timed out.
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { type BenchGateway, dataOf, ONBOARD, type Onboarded, startGateway } from '../gateway.ts';
import { forEachLimited, latencies, pool, post, subscribeSse } from '../load.ts';
import type { Scenario } from '../options.ts';
import { loggedProblems, treeCpuMs } from '../processes.ts';
import { fixed, ms, type ScenarioResult } from '../report.ts';

/** How long the driver waits for an answer before it asks again. */
const ANSWER_TIMEOUT_MS = 60_000;

const FEED = 'subscription { onboardingsUpdated(status: [READY]) { id status } }';

const PAGE = `query($after: String, $status: [OnboardingStatus!]) {
  onboardings(first: 100, after: $after, status: $status) {
    edges { node { id status actionRequired { step code message } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface PageNode {
  id: string;
  status: string;
  actionRequired: { step: string; code: string | null; message: string } | null;
}

async function allOnboardings(gateway: BenchGateway, status?: string[]): Promise<PageNode[]> {
  const nodes: PageNode[] = [];
  let after: string | null = null;
  for (let page = 0; page < 1_000; page++) {
    const data: {
      onboardings: {
        edges: { node: PageNode }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    } = await gateway.gql(PAGE, { after, status });
    nodes.push(...data.onboardings.edges.map((e) => e.node));
    if (!data.onboardings.pageInfo.hasNextPage) break;
    after = data.onboardings.pageInfo.endCursor;
  }
  return nodes;
}

interface FakeState {
  counts: Record<string, number>;
  records: {
    subprojects: { subprojectId: string; labels?: Record<string, string>; deleted: boolean }[];
    senders: { projectId: string }[];
    provisioningWebhooks: { projectId: string }[];
    conversationApps: { id: string; projectId: string }[];
    conversationWebhooks: { app_id: string }[];
  };
}

/** Records beyond the first of each owner: what was created more than once. */
function extras(owners: readonly string[]): { owners: number; extra: number } {
  const counts = new Map<string, number>();
  for (const owner of owners) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  let extra = 0;
  for (const n of counts.values()) extra += n - 1;
  return { owners: counts.size, extra };
}

interface OutboundEntry {
  seq: number;
  direction: 'inbound' | 'outbound';
  kind?: string;
  target?: string;
  attempt?: number;
  status?: number;
  error?: string;
}

export async function runP3({ options, settings, log }: Scenario): Promise<ScenarioResult> {
  const { customers, concurrency, timeoutSeconds } = options.p3;
  const gateway = await startGateway('p3-gateway', settings);
  try {
    await gateway.control('DELETE', '/journal');
    const readyAt = new Map<string, number>();
    const feed = subscribeSse<{ onboardingsUpdated: { id: string; status: string } }>(
      gateway.url,
      { authorization: gateway.authorization },
      FEED,
      {},
    );
    feed.onEvent = (event) => {
      const o = event.data?.onboardingsUpdated;
      if (o?.status === 'READY' && !readyAt.has(o.id)) readyAt.set(o.id, event.at);
    };
    await Promise.race([
      feed.opened,
      sleep(10_000).then(() => {
        throw new Error('the READY feed subscription did not open');
      }),
    ]);

    const startedAt = new Map<string, number>();
    const driverErrors = new Map<string, number>();
    const fail = (what: string) => driverErrors.set(what, (driverErrors.get(what) ?? 0) + 1);
    const onboard = {
      ...gateway.graphqlTarget(1),
      pool: new Pool(gateway.url, {
        connections: concurrency,
        headersTimeout: ANSWER_TIMEOUT_MS,
        bodyTimeout: ANSWER_TIMEOUT_MS,
      }),
    };
    const signups = pool(gateway.fakeUrl, concurrency);
    const cpuAtStart = treeCpuMs(gateway.server.pid);
    const t0 = performance.now();
    const deadline = t0 + timeoutSeconds * 1000;
    await forEachLimited(
      Array.from({ length: customers }, (_, i) => i),
      concurrency,
      async (i) => {
        const clientIdentifier = `p3-customer-${i}`;
        const t = performance.now();
        let id: string | undefined;
        // onboardCustomer is idempotent per client identifier: a client whose call timed out
        // asks again, as a partner's backend would.
        for (let attempt = 1; attempt <= 3 && id === undefined; attempt++) {
          try {
            const answer = await post(
              onboard,
              JSON.stringify({ query: ONBOARD, variables: { input: { clientIdentifier } } }),
            );
            id = dataOf<Onboarded>(answer).onboardCustomer.onboarding.id;
          } catch (error) {
            fail(`onboardCustomer attempt ${attempt}: ${String(error).slice(0, 200)}`);
          }
        }
        if (id === undefined) return;
        startedAt.set(id, t);
        const res = await signups.request({
          method: 'POST',
          path: '/_sandbox/sendzen/signups',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ clientIdentifier, status: 'completed' }),
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) fail(`signup control: ${res.statusCode} ${text.slice(0, 200)}`);
      },
      deadline,
    );
    const drivenAt = performance.now();
    log(
      `${startedAt.size} onboarded and signed up in ${((drivenAt - t0) / 1000).toFixed(1)} s; ${readyAt.size} READY so far`,
    );

    // Wait for READY: the feed, and every 5 s a poll that also catches what the feed missed.
    const readyFromPoll = new Set<string>();
    let lastPoll = performance.now();
    let lastLog = performance.now();
    const countReady = () => [...startedAt.keys()].filter((id) => readyAt.has(id)).length;
    while (countReady() < startedAt.size && performance.now() < deadline) {
      await sleep(100);
      if (performance.now() - lastPoll > 5_000) {
        lastPoll = performance.now();
        for (const node of await allOnboardings(gateway, ['READY'])) {
          if (!readyAt.has(node.id)) {
            readyAt.set(node.id, lastPoll);
            readyFromPoll.add(node.id);
          }
        }
      }
      if (performance.now() - lastLog > 15_000) {
        lastLog = performance.now();
        log(
          `${countReady()} of ${startedAt.size} READY after ${((lastLog - t0) / 1000).toFixed(0)} s`,
        );
      }
    }
    const cpuMs = treeCpuMs(gateway.server.pid) - cpuAtStart;
    const ready = [...startedAt.entries()].filter(([id]) => readyAt.has(id));
    const lastReady = ready.length
      ? Math.max(...ready.map(([id]) => readyAt.get(id)!))
      : performance.now();
    const elapsed = (lastReady - t0) / 1000;
    const perSecond = ready.length / elapsed;
    const toReady = latencies(ready.map(([id, t]) => readyAt.get(id)! - t));
    log(`${ready.length} of ${customers} READY; last after ${elapsed.toFixed(1)} s`);

    // The stragglers: how far each got.
    const byStatus = new Map<string, number>();
    const actions = new Map<string, number>();
    for (const node of await allOnboardings(gateway)) {
      byStatus.set(node.status, (byStatus.get(node.status) ?? 0) + 1);
      if (node.actionRequired) {
        const key = `${node.actionRequired.step} ${node.actionRequired.code ?? ''}: ${node.actionRequired.message}`;
        actions.set(key, (actions.get(key) ?? 0) + 1);
      }
    }
    feed.close();
    await Promise.allSettled([onboard.pool.close(), signups.close()]);

    // Late deliveries and retries land in the fake's records and journal too.
    await sleep(2_000);
    let t = performance.now();
    const state = await gateway.control<FakeState>('GET', '/state');
    const stateSeconds = (performance.now() - t) / 1000;
    const r = state.records;
    const liveSubprojects = r.subprojects.filter((s) => !s.deleted);
    const duplicates = {
      subprojects: extras(
        liveSubprojects.map((s) => s.labels?.['gateway-onboarding-id'] ?? s.subprojectId),
      ),
      provisioningWebhooks: extras(r.provisioningWebhooks.map((w) => w.projectId)),
      senders: extras(r.senders.map((s) => s.projectId)),
      conversationApps: extras(r.conversationApps.map((a) => a.projectId)),
      conversationWebhooks: extras(r.conversationWebhooks.map((w) => w.app_id)),
    };
    const duplicateTotal = Object.values(duplicates).reduce((n, d) => n + d.extra, 0);

    t = performance.now();
    const { entries } = await gateway.control<{ entries: OutboundEntry[] }>('GET', '/journal');
    const journalSeconds = (performance.now() - t) / 1000;
    log(
      `the fake's state read took ${stateSeconds.toFixed(1)} s, its journal (${entries.length} entries) ${journalSeconds.toFixed(1)} s`,
    );
    const outbound = entries.filter((e) => e.direction === 'outbound');
    const failed = outbound.filter(
      (e) => e.error !== undefined || (e.status ?? 0) < 200 || (e.status ?? 0) >= 300,
    );
    const timeouts = failed.filter((e) => /timeout|timed out|abort/i.test(e.error ?? ''));
    const byKind = (kind: string) =>
      outbound.filter((e) => e.kind === kind && e.attempt === 1).length;
    const overflowed = entries.length > 0 && entries[0]!.seq > 1;
    // A delivery is every attempt at one callback (same kind and target); P3 sends each onboarding
    // one of each kind. Undelivered: no attempt answered 2xx.
    const failedSet = new Set(failed);
    const delivered = new Map<string, boolean>();
    for (const e of outbound) {
      const key = `${e.kind} ${e.target}`;
      delivered.set(key, (delivered.get(key) ?? false) || !failedSet.has(e));
    }
    const undelivered = [...delivered.values()].filter((ok) => !ok).length;
    const failures = new Map<string, number>();
    for (const e of failed) {
      const key = `${e.kind} attempt ${e.attempt}: ${e.error ?? e.status}`;
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
    const problems = loggedProblems(gateway.server.log);

    const fmtMap = (m: Map<string, number>) =>
      m.size === 0 ? 'none' : [...m].map(([k, n]) => `${n} × ${k}`).join('; ');
    const rows = [
      {
        measure: `onboardings/s to READY (${customers} customers)`,
        baseline: '',
        gateway: fixed(perSecond, 1),
        comparison: '',
        target: '≥ 100/s',
      },
      {
        measure: 'READY within the time limit',
        baseline: '',
        gateway: `${ready.length} of ${customers} in ${elapsed.toFixed(1)} s`,
        comparison: '',
        target: `all, limit ${timeoutSeconds} s`,
      },
      {
        measure: 'onboardCustomer → READY p50 / p99',
        baseline: '',
        gateway: `${ms(toReady.p50, 0)} / ${ms(toReady.p99, 0)}`,
        comparison: '',
        target: '',
      },
      {
        measure: 'CPU of the gateway process per READY onboarding',
        baseline: '',
        gateway: ms(cpuMs / ready.length, 1),
        comparison: '',
        target: '',
      },
      {
        measure: 'duplicate upstream resources',
        baseline: '',
        gateway: String(duplicateTotal),
        comparison: '',
        target: '0',
      },
      {
        measure: 'callback attempts timed out / failed; deliveries never answered 2xx',
        baseline: '',
        gateway: `${timeouts.length} / ${failed.length} of ${outbound.length}; ${undelivered} of ${delivered.size}`,
        comparison: '',
        target: '0 timeouts',
      },
    ];
    return {
      id: 'P3',
      title: `${customers} customers to READY`,
      rows,
      notes: [
        `Driver: ${concurrency} workers (closed loop), each doing onboardCustomer({clientIdentifier}) then the fake's \`POST /_sandbox/sendzen/signups {clientIdentifier, status: "completed"}\` (the iframe's Complete button), then the next customer. The fake then POSTs SendZen's webhook to the gateway; automatic provisioning creates the sender (activated at 0 ms, SANDBOX_SENDER_ACTIVATION_MS=0, then Sinch's signed callback), the app and its webhook.`,
        `READY seen on one SSE subscription \`${FEED}\`, and every 5 s by paging \`onboardings(status: [READY])\` (${readyFromPoll.size} found by the poll before the feed). onboardings/s = READY onboardings ÷ time from the first onboardCustomer to the last READY. Driving all ${customers} took ${((drivenAt - t0) / 1000).toFixed(1)} s.`,
        `CPU per READY onboarding: user + system CPU time of the gateway's process tree (the fake included: it runs in it, as in \`npm start\`) from the first onboardCustomer until the last READY, ÷ READY onboardings (${(cpuMs / 1000).toFixed(1)} s of CPU over ${elapsed.toFixed(1)} s).`,
        `Status at the end: ${fmtMap(byStatus)}. Action required: ${fmtMap(actions)}.`,
        `Driver errors (an onboardCustomer not answered within ${ANSWER_TIMEOUT_MS / 1000} s is asked again, up to 3 times): ${fmtMap(driverErrors)}.`,
        `Upstream records (the fake's /_sandbox/state): ${Object.entries(state.counts)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}. Created more than once per owner: ${Object.entries(duplicates)
          .map(([k, d]) => `${k} ${d.extra} (over ${d.owners} owners)`)
          .join(', ')}.`,
        `Callbacks to the gateway (the fake's journal, outbound entries): ${byKind('sendzen_signup_webhook')} SendZen signup webhooks and ${byKind('provisioning_callback')} provisioning callbacks sent, ${outbound.length} attempts; failed attempts: ${fmtMap(failures)}.${overflowed ? ` The journal overflowed (it keeps 10,000 entries): entries before #${entries[0]!.seq} are not counted.` : ''}`,
        `Gateway log (warn and above): ${fmtMap(problems)}.`,
        `Reading the fake's state took ${stateSeconds.toFixed(1)} s and its journal (${entries.length} entries) ${journalSeconds.toFixed(1)} s, in the gateway's process: both are scrubbed string by string against every secret the fake has seen.`,
      ],
      rounds: [],
    };
  } finally {
    await gateway.stop();
  }
}
