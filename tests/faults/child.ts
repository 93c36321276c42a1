/** What the kill tests share: a child script bundled once, and a seeded random for replayable kill times. */
import { buildSync } from 'esbuild';
import { join } from 'node:path';

/**
 * Bundles `entry` to CommonJS in `outDir` and returns its path. Under tsx every
 * start would cost half a second; a hundred starts would eat the test's budget.
 */
export function bundleChild(entry: string, outDir: string, name: string): string {
  const outfile = join(outDir, name);
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    logLevel: 'error',
  });
  return outfile;
}

/** mulberry32: a seeded generator, so a failing run's kill times can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
