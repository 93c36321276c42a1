/**
 * For `npm run hub -- start` in a checkout: builds the console into
 * dist/console when it is missing or older than server/console, so `npm
 * start` serves a current dashboard. An installed hub ships it built.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONSOLE_DIR } from './plugin';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCES = join(ROOT, 'server', 'console');
const VITE = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export function consoleNeedsBuild(): boolean {
  if (!existsSync(SOURCES) || !existsSync(VITE)) return false;
  const index = join(DEFAULT_CONSOLE_DIR, 'index.html');
  return !existsSync(index) || statSync(index).mtimeMs < newestMtime(SOURCES);
}

/** Builds the console with Vite; false (and the hub serves a hint page) when the build fails. */
export function buildConsole(): boolean {
  const result = spawnSync(
    process.execPath,
    [VITE, 'build', '-c', join(SOURCES, 'vite.config.ts'), '--logLevel', 'error'],
    // Whatever NODE_ENV the caller runs under (a test runner sets `test`), a production build.
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  return result.status === 0;
}
