// What a scenario hands back, and how the figures are printed and written down.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Row {
  measure: string;
  baseline: string;
  gateway: string;
  /** Ratio or difference, gateway against baseline. */
  comparison: string;
  target: string;
}

export interface ScenarioResult {
  id: string;
  title: string;
  rows: Row[];
  /** How it was measured, what it saw, and anything that looked wrong. */
  notes: string[];
  /** Per-round figures, for the record. */
  rounds: string[];
  crashed?: string;
}

export const fixed = (n: number, digits = 1) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';
export const ms = (n: number, digits = 2) =>
  Number.isFinite(n) ? `${n.toFixed(digits)} ms` : 'n/a';
export const signedMs = (n: number, digits = 2) =>
  Number.isFinite(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(digits)} ms` : 'n/a';
export const ratio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a');
export const mib = (bytes: number) =>
  Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : 'n/a';
export const kib = (bytes: number) =>
  Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KiB` : 'n/a';

export interface Machine {
  cores: number;
  cpu: string;
  memory: string;
  node: string;
  date: string;
  load: string;
  loadAtEnd?: string;
  pinning: string;
}

export function describeMachine(pinning: string): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (model) cpu = model[1]!.trim();
  } catch {
    // Not Linux: os.cpus() said it.
  }
  return {
    cores: cpus().length,
    cpu,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    node: process.version,
    date: new Date().toISOString(),
    load: loadAverage(),
    pinning,
  };
}

export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function table(results: readonly ScenarioResult[]): string {
  const lines = [
    '| # | measure | baseline | gateway | gateway vs baseline | target |',
    '|---|---|---|---|---|---|',
  ];
  for (const result of results) {
    if (result.crashed) {
      lines.push(`| ${result.id} | ${cell(result.title)}: crashed | | | | |`);
      continue;
    }
    for (const row of result.rows) {
      lines.push(
        `| ${result.id} | ${[row.measure, row.baseline, row.gateway, row.comparison, row.target].map(cell).join(' | ')} |`,
      );
    }
  }
  return lines.join('\n');
}

export function machineLines(machine: Machine): string[] {
  return [
    `- cores: ${machine.cores}; CPU: ${machine.cpu}; memory: ${machine.memory}`,
    `- Node ${machine.node}; ${machine.date}; load average (1, 5, 15 min) at start: ${machine.load}${machine.loadAtEnd ? `, at end: ${machine.loadAtEnd}` : ''}`,
    `- ${machine.pinning}`,
  ];
}

export function markdown(options: {
  machine: Machine;
  command: string;
  settings: string[];
  results: readonly ScenarioResult[];
  minutes: number;
}): string {
  const parts = [
    '# Benchmarks',
    '',
    `Written by \`${options.command}\` (${options.minutes.toFixed(1)} minutes). Every gateway figure`,
    'is measured in the same run as its baseline, rounds interleaved (baseline, gateway, baseline,',
    'gateway, ...); a figure is the median of the rounds. See `bench/bench.ts` for how each one is',
    'taken.',
    '',
    '## Machine',
    '',
    ...machineLines(options.machine),
    '',
    '## Settings',
    '',
    ...options.settings.map((s) => `- ${s}`),
    '',
    '## Results',
    '',
    table(options.results),
    '',
  ];
  for (const result of options.results) {
    parts.push(`## ${result.id}: ${result.title}`, '');
    if (result.crashed) parts.push(`Crashed: \`${result.crashed}\``, '');
    for (const note of result.notes) parts.push(`- ${note}`);
    if (result.notes.length) parts.push('');
    if (result.rounds.length) {
      parts.push('Rounds:', '', '```', ...result.rounds, '```', '');
    }
  }
  return parts.join('\n');
}
