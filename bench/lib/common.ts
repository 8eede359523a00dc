import { cpus, totalmem, type as osType, release } from 'node:os';

/**
 * Shared helpers of the benchmarks: the machine, the quick-mode switch, statistics and formatting.
 * Every number the benchmarks publish is a median or a ratio against a baseline measured in the same
 * run, because the machine is shared and absolute times drift.
 */

/** BENCH_QUICK=1: a smoke run (fewer samples, shorter loads, smaller tables). */
export const QUICK = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  os: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${osType()} ${release()}`,
  };
}

export const machineLine = (m: Machine = machine()): string =>
  `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node.js ${m.node}, ${m.os}`;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const ratio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a');
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
export const yes = (met: boolean): string => (met ? '✅ met' : '❌ not met');

/** A markdown table. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) =>
    `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export interface Target {
  name: string;
  met: boolean;
  detail: string;
}

/** What one benchmark hands the report: its markdown and the targets it checked. */
export interface Section {
  id: string;
  title: string;
  markdown: string;
  targets: Target[];
  /** One-line highlights for the summary at the top of docs/benchmarks.md. */
  headline: string[];
  seconds: number;
}

export const log = (message: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

/** Run a benchmark module on its own (npx tsx bench/<name>.ts): print its section as markdown. */
export function runAlone(run: () => Promise<Section>): void {
  run()
    .then((section) => {
      process.stdout.write(`## ${section.title}\n\n${section.markdown}\n`);
      process.exit(0);
    })
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
