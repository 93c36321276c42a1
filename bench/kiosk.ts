import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { buildUi, uiNeedsBuild } from '../kiosk-shell/runtime/ui-build';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/fixtures/chromium';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const UI_DIR = join(ROOT, 'dist', 'ui');
const TSX_CLI = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
/** What `npm start` runs once scripts/build-shell.ts has bundled it. */
export const START = join('dist', 'runtime', 'start.mjs');
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** Things to undo, last first, whether the bench succeeded or not. */
export class Cleanup {
  private readonly tasks: Array<() => unknown> = [];

  add(task: () => unknown): void {
    this.tasks.push(task);
  }

  async run(): Promise<void> {
    for (let task = this.tasks.pop(); task; task = this.tasks.pop()) {
      try {
        await task();
      } catch (err) {
        process.stderr.write(`bench: cleanup step failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }
}

export function tempDir(cleanup: Cleanup, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sportello-bench-${prefix}-`));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Builds the UI (untimed) when missing, and also when stale: otherwise start.ts
 * would rebuild it inside the timed cold start. Returns whether it built.
 */
export function ensureUiBuilt(): boolean {
  if (!uiNeedsBuild()) return false;
  buildUi();
  return true;
}

/** Bundles the launcher as `npm start` does before it runs it (not timed). */
export function buildLauncher(): void {
  const result = spawnSync(process.execPath, [TSX_CLI, join(ROOT, 'scripts', 'build-shell.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`the launcher build failed (exit ${result.status ?? result.signal})`);
}

export async function launchChromium(cleanup: Cleanup): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
  });
  cleanup.add(() => browser.close());
  return browser;
}

/** Ends a child we started: SIGTERM, wait for its exit, then SIGKILL its whole process group. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), STOP_TIMEOUT_MS).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    process.stderr.write(`bench: pid ${child.pid} ignored SIGTERM for ${STOP_TIMEOUT_MS} ms, killing its group\n`);
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
    await exited;
  }
}

/** Spawns `node <args>` in its own process group (so a stuck child can be reaped too). */
function spawnNode(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Resolves with the first stdout line matching `pattern` (and every line before it),
 * rejects when the process exits first or the timeout passes.
 */
function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  what: string,
): Promise<{ match: RegExpMatchArray; at: number; lines: string[] }> {
  return new Promise((res, rej) => {
    let buffer = '';
    let stderr = '';
    const lines: string[] = [];
    const done = (fn: () => void) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      fn();
    };
    const onData = (chunk: Buffer) => {
      const at = performance.now();
      buffer += chunk.toString('utf8');
      let nl = buffer.indexOf('\n');
      while (nl !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        const match = line.match(pattern);
        if (match) {
          done(() => res({ match, at, lines }));
          return;
        }
        nl = buffer.indexOf('\n');
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      done(() =>
        rej(new Error(`${what} exited (${code ?? signal}) before printing ${pattern}: ${stderr.trim().slice(-500)}`)),
      );
    const timer = setTimeout(
      () => done(() => rej(new Error(`${what} printed no ${pattern} within ${STARTUP_TIMEOUT_MS} ms`))),
      STARTUP_TIMEOUT_MS,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

export type RunningKiosk = {
  url: string;
  /** performance.now() just before the spawn. */
  spawnedAt: number;
  /** performance.now() when the `Sportello kiosk: <url>` line arrived. */
  urlAt: number;
  /** start.ts rebuilt the UI during startup (src/ changed under us): the timing is not a cold start. */
  rebuiltUi: boolean;
  stop(): Promise<void>;
};

/**
 * Starts the runtime exactly as `npm start -- --no-window --port 0` does, on a fresh
 * data dir that `cleanup` removes, and resolves once it printed its URL.
 */
export async function startKiosk(cleanup: Cleanup): Promise<RunningKiosk> {
  const dataDir = tempDir(cleanup, 'data');
  const spawnedAt = performance.now();
  const child = spawnNode([START, '--no-window', '--no-hub', '--port', '0'], {
    ...process.env,
    SPORTELLO_DATA_DIR: dataDir,
  });
  let stopped: Promise<void> | null = null;
  const stop = () => (stopped ??= stopChild(child));
  cleanup.add(stop);
  const { match, at, lines } = await waitForLine(child, /^Sportello kiosk: (\S+)/, 'the kiosk runtime');
  // Keep draining its output so a full pipe never blocks the runtime.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    url: match[1] as string,
    spawnedAt,
    urlAt: at,
    rebuiltUi: lines.some((l) => l.startsWith('Building the kiosk UI')),
    stop,
  };
}

/**
 * The same-run baseline: `node bare.mjs`, where bare.mjs only writes one line.
 * Returns ms from spawn to that line.
 */
export async function bareNodeStart(cleanup: Cleanup, scriptDir: string): Promise<number> {
  const script = join(scriptDir, 'bare.mjs');
  if (!existsSync(script)) writeFileSync(script, "process.stdout.write('ready\\n');\n");
  const spawnedAt = performance.now();
  const child = spawnNode([script], process.env);
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  let stopped: Promise<void> | null = null;
  const stop = () => (stopped ??= stopChild(child));
  cleanup.add(stop);
  const { at } = await waitForLine(child, /^ready$/, 'the bare node script');
  child.stdout?.resume();
  child.stderr?.resume();
  // It exits by itself; the SIGTERM is only for one that hangs.
  await Promise.race([exited, new Promise((res) => setTimeout(res, 5_000).unref())]);
  await stop();
  return at - spawnedAt;
}
