/**
 * A hub in its own OS process, started the way an operator does
 * (`npm run hub -- start`), for tests of several hub processes on one database.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const STARTUP_TIMEOUT_MS = 20_000;

export type HubProcess = { url: string; pid: number; stop(): Promise<number | null> };

/**
 * Spawns `server/cli.ts start --port 0 [...args]` on `dataDir` (or
 * `databaseUrl`); resolves once it prints its URL.
 */
export function spawnHubProcess(options: {
  dataDir: string;
  databaseUrl?: string;
  args?: string[];
}): Promise<HubProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SPORTELLO_HUB_DATA_DIR: options.dataDir,
    SPORTELLO_HUB_LOG_LEVEL: 'warn',
  };
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else delete env.DATABASE_URL;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join('server', 'cli.ts'), 'start', '--port', '0', ...(options.args ?? [])],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise((done, fail) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`hub process did not start in ${STARTUP_TIMEOUT_MS} ms: ${stderr}`));
    }, STARTUP_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`hub process exited with ${code} before starting: ${stderr}`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /Sportello hub: (\S+)/.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      done({
        url: match[1]!,
        pid: child.pid!,
        stop: () => {
          child.kill('SIGINT');
          return exited;
        },
      });
    });
  });
}
