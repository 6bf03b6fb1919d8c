// The bench's command-line flags (documented at the top of bench/bench.ts).
import { parseArgs } from 'node:util';
import type { BenchSettings } from './gateway.ts';

export const SCENARIOS = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6'] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

export interface BenchOptions {
  quick: boolean;
  only: ScenarioId[];
  rounds: number;
  taskset: boolean;
  /** Where to write the report; undefined: nowhere. */
  out: string | undefined;
  stepConcurrency: number;
  p1: { connections: number; seconds: number; warmupSeconds: number };
  /** rate: requests/s; undefined: half the gateway's measured onboardCustomer capacity, at most `maxRate`. */
  p2: { rate: number | undefined; maxRate: number; seconds: number };
  p3: { customers: number; concurrency: number; timeoutSeconds: number };
  p4: { subscribers: number; rate: number; mutation: 'cancel' | 'refresh'; events: number };
  p5: { rounds: number; idleSeconds: number };
  p6: { customers: number; concurrency: number; timeoutSeconds: number };
}

export interface Scenario {
  options: BenchOptions;
  settings: BenchSettings;
  log: (line: string) => void;
}

const DEFAULT_OUT = 'docs/benchmarks.md';

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      rounds: { type: 'string' },
      'no-taskset': { type: 'boolean', default: false },
      out: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      'step-concurrency': { type: 'string' },
      connections: { type: 'string' },
      rate: { type: 'string' },
      customers: { type: 'string' },
      'instances-customers': { type: 'string' },
      subscribers: { type: 'string' },
      'events-per-second': { type: 'string' },
      'p4-mutation': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    throw new HelpRequested();
  }
  const quick = values.quick;
  const int = (name: string, raw: string | undefined, fallback: number, min = 1) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
    return n;
  };
  const only = values.only
    ? values.only.split(',').map((s) => {
        const id = s.trim().toUpperCase();
        if (!SCENARIOS.includes(id as ScenarioId)) {
          throw new Error(`--only: unknown scenario ${s}; known: ${SCENARIOS.join(',')}`);
        }
        return id as ScenarioId;
      })
    : [...SCENARIOS];
  const mutation = values['p4-mutation'] ?? 'cancel';
  if (mutation !== 'cancel' && mutation !== 'refresh') {
    throw new Error('--p4-mutation must be cancel or refresh');
  }
  const rounds = int('rounds', values.rounds, 3);
  const subscribers = int('subscribers', values.subscribers, quick ? 300 : 5_000);
  const complete = !quick && only.length === SCENARIOS.length && values.rounds === undefined;
  return {
    quick,
    only,
    rounds,
    taskset: !values['no-taskset'],
    out: values['no-write'] ? undefined : (values.out ?? (complete ? DEFAULT_OUT : undefined)),
    stepConcurrency: int('step-concurrency', values['step-concurrency'], 64),
    p1: {
      connections: int('connections', values.connections, 32),
      seconds: quick ? 1 : 5,
      warmupSeconds: quick ? 0.5 : 1,
    },
    p2: {
      rate: values.rate === undefined ? undefined : int('rate', values.rate, 100),
      maxRate: 100,
      seconds: quick ? 2 : 5,
    },
    p3: {
      customers: int('customers', values.customers, quick ? 100 : 1_000),
      concurrency: 64,
      timeoutSeconds: quick ? 60 : 300,
    },
    p4: {
      subscribers,
      rate: int('events-per-second', values['events-per-second'], quick ? 300 : 1_000),
      mutation,
      // cancel changes each onboarding once; refresh may change one again, so it runs as long.
      events: subscribers,
    },
    p5: { rounds: Math.max(rounds, quick ? 1 : 3), idleSeconds: quick ? 1 : 3 },
    p6: {
      customers: int('instances-customers', values['instances-customers'], quick ? 100 : 300),
      concurrency: 32,
      timeoutSeconds: quick ? 120 : 300,
    },
  };
}

export class HelpRequested extends Error {}
