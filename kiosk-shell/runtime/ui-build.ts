import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, UI_DIR } from './paths';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Whether dist/ui is missing or older than its sources (a developer just edited src/). */
export function uiNeedsBuild(): boolean {
  const index = join(UI_DIR, 'index.html');
  const src = join(ROOT, 'src');
  return !existsSync(index) || (existsSync(src) && statSync(index).mtimeMs < newestMtime(src));
}

/** Builds the UI with Vite into dist/ui; throws when the build fails. */
export function buildUi(stdout: 'inherit' | 'ignore' = 'inherit'): void {
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
    // Whatever NODE_ENV the caller runs under (a test runner sets `test`), residents get a production build.
    { cwd: ROOT, stdio: ['ignore', stdout, 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  if (result.status !== 0) throw new Error(`the UI build failed (vite exited ${result.status ?? result.signal})`);
}
