/**
 * `npm run bench [-- <prefix>]`: measures the figures the issues ask for on real
 * parts (the runtime as users start it, Chromium, the built UI), prints a table and
 * writes bench/results.json (format: BENCH.md). Exits non-zero only when a
 * measurement could not run; a missed target is reported, not fatal.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { Cleanup, ROOT, launchChromium } from './kiosk';
import { formatTable, makeResults, writeResults } from './report';
import type { Figure } from './report';
import { hubFigures } from './hub';
import { printerFigures } from './printer';
import { readerFigures } from './readers';
import { storeFigures } from './store';
import { servicesFigures } from './services';
import { syncFigures } from './sync';
import { bundleFigures, startupFigures, tapFigures } from './ui';
import type { BenchContext, FigureGroup } from './ui';

const GROUPS: readonly FigureGroup[] = [
  bundleFigures,
  startupFigures,
  tapFigures,
  storeFigures,
  printerFigures,
  readerFigures,
  hubFigures,
  syncFigures,
  servicesFigures,
];
const RESULTS_FILE = join(ROOT, 'bench', 'results.json');

async function main(): Promise<number> {
  const prefix = process.argv[2] ?? '';
  const wants = (id: string) => id.startsWith(prefix);
  const groups = GROUPS.filter((g) => g.ids.some(wants));
  if (groups.length === 0) {
    const known = GROUPS.flatMap((g) => g.ids).join(', ');
    process.stderr.write(`bench: no figure id starts with "${prefix}" (known: ${known})\n`);
    return 2;
  }

  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`bench: ${signal}, cleaning up\n`);
    void cleanup.run().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let browser: Promise<Browser> | null = null;
  const ctx: BenchContext = {
    wants,
    cleanup,
    browser: () => (browser ??= launchChromium(cleanup)),
  };

  const figures: Figure[] = [];
  const failures: string[] = [];
  try {
    for (const group of groups) {
      const label = group.ids.filter(wants).join(', ');
      process.stdout.write(`measuring ${label}…\n`);
      try {
        figures.push(...(await group.run(ctx)));
      } catch (err) {
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        failures.push(`${label}: ${message}`);
        process.stderr.write(`bench: ${label} failed to run: ${message}\n`);
      }
    }
  } finally {
    await cleanup.run();
  }

  process.stdout.write(`\n${formatTable(figures)}`);
  writeResults(RESULTS_FILE, makeResults(ROOT, figures));
  process.stdout.write(`\nwrote ${RESULTS_FILE}\n`);
  if (failures.length > 0) {
    process.stderr.write(
      `\nbench: ${failures.length} measurement(s) failed to run:\n${failures.map((f) => `  - ${f.split('\n')[0]}`).join('\n')}\n`,
    );
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
