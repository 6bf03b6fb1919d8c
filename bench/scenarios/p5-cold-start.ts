// P5: how long `npm start`'s command line (the compiled build) takes from spawn to /readyz answering 200 (fresh
// database, free ports), and the RSS of its whole process tree once idle; beside a plain yoga
// process's time to its first answer and its RSS.
import { setTimeout as sleep } from 'node:timers/promises';
import { PLAIN_YOGA_COMMAND, startGateway, startPlainYoga, startScript } from '../gateway.ts';
import { median } from '../load.ts';
import type { Scenario } from '../options.ts';
import { treeCpuMs, treeRss } from '../processes.ts';
import { mib, ms, ratio, type ScenarioResult } from '../report.ts';

interface Sample {
  startMs: number;
  /** CPU used while idle, in ms per second. */
  idleCpu: number;
  rss: number;
  largest: number;
  processes: number;
}

export async function runP5({ options, settings, log }: Scenario): Promise<ScenarioResult> {
  const { rounds: count, idleSeconds } = options.p5;
  const base: Sample[] = [];
  const gw: Sample[] = [];
  const rounds: string[] = [];
  const line = (who: string, r: number, s: Sample) =>
    `round ${r} ${who.padEnd(8)} start ${ms(s.startMs, 0)}  tree RSS ${mib(s.rss)} (${s.processes} processes; largest ${mib(s.largest)})  idle CPU ${s.idleCpu.toFixed(0)} ms/s`;
  for (let r = 1; r <= count; r++) {
    const yoga = await startPlainYoga(`p5-yoga-${r}`, settings);
    try {
      const cpu = treeCpuMs(yoga.server.pid);
      await sleep(idleSeconds * 1000);
      const idleCpu = (treeCpuMs(yoga.server.pid) - cpu) / idleSeconds;
      const rss = treeRss(yoga.server.pid);
      base.push({
        idleCpu,
        startMs: yoga.firstAnswerAfterMs,
        rss: rss.total,
        largest: rss.largest,
        processes: rss.processes,
      });
    } finally {
      await yoga.stop();
    }
    rounds.push(line('baseline', r, base.at(-1)!));
    log(rounds.at(-1)!);

    const gateway = await startGateway(`p5-gateway-${r}`, settings);
    try {
      const cpu = treeCpuMs(gateway.server.pid);
      await sleep(idleSeconds * 1000);
      const idleCpu = (treeCpuMs(gateway.server.pid) - cpu) / idleSeconds;
      const rss = treeRss(gateway.server.pid);
      gw.push({
        idleCpu,
        startMs: gateway.readyAfterMs,
        rss: rss.total,
        largest: rss.largest,
        processes: rss.processes,
      });
    } finally {
      await gateway.stop();
    }
    rounds.push(line('gateway', r, gw.at(-1)!));
    log(rounds.at(-1)!);
  }
  const m = (xs: Sample[], f: (s: Sample) => number) => median(xs.map(f));
  const [bStart, gStart, bRss, gRss] = [
    m(base, (s) => s.startMs),
    m(gw, (s) => s.startMs),
    m(base, (s) => s.rss),
    m(gw, (s) => s.rss),
  ];
  return {
    id: 'P5',
    title: 'cold start and idle RSS',
    rows: [
      {
        measure: 'cold start to first 200',
        baseline: ms(bStart, 0),
        gateway: ms(gStart, 0),
        comparison: ratio(gStart / bStart),
        target: 'reported',
      },
      {
        measure: `idle RSS of the process tree (${idleSeconds} s after start)`,
        baseline: mib(bRss),
        gateway: mib(gRss),
        comparison: ratio(gRss / bRss),
        target: 'reported',
      },
      {
        measure: 'idle RSS of the server process alone',
        baseline: mib(m(base, (s) => s.largest)),
        gateway: mib(m(gw, (s) => s.largest)),
        comparison: ratio(m(gw, (s) => s.largest) / m(base, (s) => s.largest)),
        target: 'reported',
      },
      {
        measure: 'idle CPU (the seconds before the RSS reading)',
        baseline: `${m(base, (s) => s.idleCpu).toFixed(0)} ms/s`,
        gateway: `${m(gw, (s) => s.idleCpu).toFixed(0)} ms/s`,
        comparison: '',
        target: 'reported',
      },
    ],
    notes: [
      `Gateway: \`sh -c "${startScript()}"\` (package.json's start script, as npm runs it, with node_modules/.bin on PATH; without npm's own process): sh execs node, which runs scripts/start.mjs (dist/ is checked for staleness, built before the bench began) and then dist/src/main.js in the same process, in sandbox mode with a fresh DATABASE_FILE in a new temporary folder and free PORT and SANDBOX_PORT; timed from spawn to the first 200 from GET /readyz, polled every 10 ms.`,
      `Baseline: \`sh -c "${PLAIN_YOGA_COMMAND}"\`, timed from spawn to the first 200 answer to POST /graphql \`{ hello }\`, polled every 10 ms.`,
      `RSS: sum of VmRSS over the process tree (one node process on each side, since sh execs it), ${idleSeconds} s after the first answer, with no load. "Alone" is the largest process.`,
      'The bundled fake binds its port at start but loads its handlers (msw, @msw/data) on the first request it receives: no request reaches it here, so neither time nor RSS includes it. The first call to the fake after a start pays for that load once.',
      `${count} rounds each, interleaved.`,
    ],
    rounds,
  };
}
