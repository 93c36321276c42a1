import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** One published figure, in the shape BENCH.md fixes for bench/results.json. */
export type Figure = {
  id: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
  runs: number;
  note: string;
};

export type Results = {
  at: string;
  commit: string;
  machine: { cpus: number; node: string; platform: string };
  figures: Figure[];
};

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty sample');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export const median = (values: readonly number[]): number => {
  if (values.length === 0) throw new Error('median of an empty sample');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

export function currentCommit(cwd: string): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'uncommitted';
  }
}

export function makeResults(root: string, figures: Figure[]): Results {
  return {
    at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    commit: currentCommit(root),
    machine: { cpus: cpus().length, node: process.version, platform: process.platform },
    figures,
  };
}

export function writeResults(file: string, results: Results): void {
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

/** A plain-text table of the figures, then their notes. */
export function formatTable(figures: readonly Figure[]): string {
  const header = ['id', 'value', 'unit', 'target', 'ok'];
  const rows = figures.map((f) => [f.id, String(f.value), f.unit, f.target, f.ok ? 'ok' : 'NOT OK']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ''];
  for (const f of figures) out.push(`${f.id} (${f.runs} run${f.runs === 1 ? '' : 's'}): ${f.note}`);
  return `${out.join('\n')}\n`;
}
