/**
 * Bundles the Electron shell: main and preload to CommonJS in dist/main, plus
 * the static fallback page. Run with `tsx scripts/build-shell.ts`.
 *
 * The main process is CommonJS because Electron loads `package.json#main`
 * with require() semantics for `.cjs`, and a sandboxed preload must be a single
 * CommonJS file that requires nothing but `electron`.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { BuildOptions } from 'esbuild';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One bundle: `entry` → `outfile`, both relative to the repository root. */
export interface ShellEntry {
  entry: string;
  outfile: string;
  format: 'cjs' | 'esm';
  /** Modules left to `require`/`import` at run time (electron, native addons). */
  external: string[];
}

export interface ShellAsset {
  from: string;
  to: string;
}

export const SHELL_ENTRIES: readonly ShellEntry[] = [
  {
    entry: 'kiosk-shell/main/main.ts',
    outfile: 'dist/main/main.cjs',
    format: 'cjs',
    external: ['electron'],
  },
  {
    entry: 'kiosk-shell/main/preload.ts',
    outfile: 'dist/main/preload.cjs',
    format: 'cjs',
    external: ['electron'],
  },
  {
    // The runtime as Electron's utilityProcess; dependencies stay in node_modules (a native addon among them).
    entry: 'kiosk-shell/runtime/utility.ts',
    outfile: 'dist/runtime/utility.mjs',
    format: 'esm',
    external: ['better-sqlite3', 'pino', 'ws', 'zod'],
  },
  {
    // The `npm start` launcher, precompiled: tsx would add half a second to every cold start.
    entry: 'kiosk-shell/runtime/start.ts',
    outfile: 'dist/runtime/start.mjs',
    format: 'esm',
    external: ['better-sqlite3', 'pino', 'ws', 'zod'],
  },
];

export const SHELL_ASSETS: readonly ShellAsset[] = [
  { from: 'kiosk-shell/main/fallback.html', to: 'dist/main/fallback.html' },
];

function optionsFor(entry: ShellEntry, root: string): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: [path.join(root, entry.entry)],
    outfile: path.join(root, entry.outfile),
    bundle: true,
    platform: 'node',
    format: entry.format,
    // Electron 45 runs a current V8 and Node; ES2022 needs no down-levelling.
    target: 'es2022',
    external: entry.external,
    // The runtime bundles load their npm dependencies from node_modules at run time
    // (native addons and CommonJS packages cannot be inlined into an ES module).
    ...(entry.format === 'esm' && { packages: 'external' as const }),
    sourcemap: true,
    logLevel: 'warning',
  };
}

/** Builds every entry and copies every asset; rejects on the first build error. */
export async function buildShell(
  entries: readonly ShellEntry[] = SHELL_ENTRIES,
  assets: readonly ShellAsset[] = SHELL_ASSETS,
  root: string = repoRoot,
): Promise<void> {
  await Promise.all(entries.map((entry) => build(optionsFor(entry, root))));
  await Promise.all(
    assets.map(async (asset) => {
      const to = path.join(root, asset.to);
      await mkdir(path.dirname(to), { recursive: true });
      await copyFile(path.join(root, asset.from), to);
    }),
  );
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;

if (invokedDirectly) {
  buildShell().catch((error: unknown) => {
    process.stderr.write(`build-shell failed: ${String(error)}\n`);
    process.exitCode = 1;
  });
}
