// `npm run bench`: every performance scenario of the gateway beside its baseline, in one run.
//
//   npm run bench                          full run (12 to 17 minutes on 2 shared cores); writes docs/benchmarks.md
//   npm run bench -- --quick               small sizes and short rounds, for development; writes nothing
//   npm run bench -- --only P1,P3          some scenarios only (writes nothing unless --out)
//
// Flags:
//   --quick                 P1 1 s rounds; P2 2 s rounds; P3 100 customers; P4 300 subscribers at 300
//                           events/s; P5 1 s idle
//   --only P1,P2,...        run only these scenarios (P1..P6)
//   --rounds N              rounds per side (default 3; a figure is the median of the rounds)
//   --connections N         P1's concurrent connections (default 32)
//   --rate N                P2's open-loop rate per second (default: 100/s, or half the gateway's
//                           onboardCustomer capacity measured just before when that is lower, so
//                           that both sides sustain it)
//   --customers N           P3's customers (default 1000)
//   --instances-customers N P6's customers (default 300)
//   --subscribers N         P4's SSE subscribers (default 5000)
//   --events-per-second N   P4's event rate (default 1000)
//   --p4-mutation M         what changes an onboarding in P4: cancel (default: one event per
//                           subscriber) or refresh (refreshOnboardingLink: also calls SendZen)
//   --step-concurrency N    passed to the gateway as STEP_CONCURRENCY (default 64)
//   --no-taskset            do not pin (otherwise servers run on core 0, this process on core 1)
//   --out FILE              write the report there (default: docs/benchmarks.md, complete runs only)
//   --no-write              print only
//
// The scenarios (their files in bench/scenarios/ say exactly how each figure is taken):
//   P1  onboarding(id) query, closed loop, against a plain yoga `{ hello }` process
//   P2  onboardCustomer at a fixed open-loop rate, against a direct POST to the fake's SendZen
//       onboard endpoint at the same rate: added p50 / p99 latency
//   P3  N customers from onboardCustomer to READY (the fake's signup control completes each
//       signup; its webhook reaches the gateway): onboardings/s, duplicates upstream, callback
//       delivery failures
//   P4  N SSE subscribers on distinct onboardings, events from a mutation on each at a fixed rate:
//       delivery latency, RSS per subscriber, events lost
//   P5  cold start of `npm start`'s command line (the compiled build, through scripts/start.mjs) to
//       /readyz, and idle RSS, against a plain yoga process under node
//   P6  N customers to READY on PostgreSQL and Redis through 1, then 3 compiled instances:
//       onboardings/s side by side (needs the machine's PostgreSQL and Redis)
//
// A benchmark reports; it never fails on a figure. The exit code is 1 only when a scenario crashed.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ensureBuilt } from '../scripts/build.mjs';
import type { BenchSettings } from './gateway.ts';
import { type BenchOptions, HelpRequested, parseOptions, type ScenarioId } from './options.ts';
import { cleanUpNow, pinCores, ROOT } from './processes.ts';
import {
  describeMachine,
  loadAverage,
  machineLines,
  markdown,
  type ScenarioResult,
  table,
} from './report.ts';
import { runP1 } from './scenarios/p1-query.ts';
import { runP2 } from './scenarios/p2-onboard-latency.ts';
import { runP3 } from './scenarios/p3-to-ready.ts';
import { runP4 } from './scenarios/p4-subscribers.ts';
import { runP5 } from './scenarios/p5-cold-start.ts';
import { runP6 } from './scenarios/p6-instances.ts';

const RUNNERS: Record<
  ScenarioId,
  (s: {
    options: BenchOptions;
    settings: BenchSettings;
    log: (l: string) => void;
  }) => Promise<ScenarioResult>
> = { P1: runP1, P2: runP2, P3: runP3, P4: runP4, P5: runP5, P6: runP6 };

const TITLES: Record<ScenarioId, string> = {
  P1: 'onboarding(id) query, closed loop',
  P2: 'onboardCustomer added latency, open loop',
  P3: 'customers to READY',
  P4: 'SSE subscribers',
  P5: 'cold start and idle RSS',
  P6: '1 and 3 instances on PostgreSQL and Redis',
};

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

process.on('exit', cleanUpNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    log(`\n${signal}: stopping the servers and removing temporary folders`);
    cleanUpNow();
    process.exit(130);
  });
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof HelpRequested) {
      log(
        'npm run bench -- [--quick] [--only P1,P3] [--rounds N] ... (see the top of bench/bench.ts)',
      );
      return 0;
    }
    log(String(error instanceof Error ? error.message : error));
    return 2;
  }
  const started = performance.now();
  // Built before anything is timed: a stale dist/ would make npm start's first start a build.
  ensureBuilt({ log });
  const pinning = pinCores(options.taskset);
  const settings: BenchSettings = { pin: pinning.server, stepConcurrency: options.stepConcurrency };
  const machine = describeMachine(pinning.note);
  log('Machine:');
  for (const line of machineLines(machine)) log(line);
  log('');

  const results: ScenarioResult[] = [];
  for (const id of options.only) {
    log(`== ${id}: ${TITLES[id]}`);
    const t = performance.now();
    try {
      results.push(await RUNNERS[id]({ options, settings, log: (l) => log(`  ${l}`) }));
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`  crashed: ${message}`);
      results.push({
        id,
        title: TITLES[id],
        rows: [],
        notes: [],
        rounds: [],
        crashed: message.split('\n').slice(0, 3).join(' '),
      });
    }
    log(`  (${((performance.now() - t) / 1000).toFixed(1)} s)\n`);
  }

  log(table(results));
  const minutes = (performance.now() - started) / 60_000;
  machine.loadAtEnd = loadAverage();
  log(`\nload average (1, 5, 15 min) at start ${machine.load}, at end ${machine.loadAtEnd}`);
  if (options.out) {
    const command = [
      'npm run bench',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' ');
    const settingsLines = [
      `rounds per side: ${options.rounds}${options.quick ? ' (--quick sizes)' : ''}`,
      `gateway: package.json's start script with GATEWAY_MODE=sandbox, LOG_LEVEL=warn, SANDBOX_SENDER_ACTIVATION_MS=0, STEP_RETRY_BASE_MS=100, STEP_CONCURRENCY=${options.stepConcurrency}, a fresh DATABASE_FILE and free PORT/SANDBOX_PORT per scenario`,
    ];
    writeFileSync(
      resolve(ROOT, options.out),
      markdown({ machine, command, settings: settingsLines, results, minutes }),
    );
    log(`\nwrote ${options.out}`);
  }
  log(`\n${minutes.toFixed(1)} minutes`);
  return results.some((r) => r.crashed) ? 1 : 0;
}

main().then(
  (code) => {
    cleanUpNow();
    process.exit(code);
  },
  (error: unknown) => {
    log(`bench crashed: ${error instanceof Error ? error.stack : String(error)}`);
    cleanUpNow();
    process.exit(1);
  },
);
