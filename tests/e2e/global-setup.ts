import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * Vitest sets NODE_ENV=test, which a child vite would take for a development
 * build of React: the tests must drive the build residents get.
 */
const PRODUCTION = { ...process.env, NODE_ENV: 'production' };

/** Builds the renderer into dist/ui once per e2e run; the runtime serves exactly that build. */
export function setup(): void {
  const started = Date.now();
  const result = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: PRODUCTION,
  });
  if (result.error) throw new Error(`e2e: could not start the UI build: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `e2e: the UI build failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  process.stderr.write(`e2e: UI built into dist/ui in ${Date.now() - started} ms\n`);
  buildConsole();
}

/** Builds the hub console into dist/console (tests/e2e/fleet.test.ts drives it). */
function buildConsole(): void {
  const started = Date.now();
  const result = spawnSync(
    process.execPath,
    ['node_modules/vite/bin/vite.js', 'build', '-c', 'server/console/vite.config.ts', '--logLevel', 'warn'],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: PRODUCTION },
  );
  if (result.status !== 0) {
    throw new Error(
      `e2e: the console build failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  process.stderr.write(`e2e: console built into dist/console in ${Date.now() - started} ms\n`);
}
