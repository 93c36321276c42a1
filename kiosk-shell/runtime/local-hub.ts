/**
 * `npm start`'s local hub: when the configured hub is on this machine, the
 * launcher runs it as its own process (`npm run hub -- start`), exactly as the
 * town hall runs it, and enrolls the kiosk with a one-time code from it. The
 * runtime never imports hub code: they only talk HTTP, as in production.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths';

const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const HUB_CLI = join(ROOT, 'server', 'cli.ts');
const START_TIMEOUT_MS = 30_000;

export type LocalHub = {
  url: string;
  /** A one-time enrollment code for a kiosk of this comune and frazione. */
  enrollmentCode(istat: string, frazione: string): Promise<string>;
  stop(): Promise<void>;
};

export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

/** The hub's code of a frazione: lowercase-kebab ("Molino del Piano" → "molino-del-piano"). */
export function frazioneCode(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Starts the hub on the configured URL's port; rejects with what it printed when it cannot. */
export function startLocalHub(hubUrl: string, env: NodeJS.ProcessEnv): Promise<LocalHub> {
  const port = new URL(hubUrl).port || '80';
  const child = spawn(process.execPath, [TSX, HUB_CLI, 'start', '--port', port], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise<LocalHub>((resolve, reject) => {
    const timer = setTimeout(() => fail('the hub did not start in time'), START_TIMEOUT_MS);
    function fail(why: string) {
      clearTimeout(timer);
      child.kill('SIGTERM');
      const detail = /EADDRINUSE/.test(output)
        ? `port ${port} is in use (is another hub running?)`
        : output.trim().split('\n').slice(-3).join(' ');
      reject(new Error(`${why}: ${detail}`));
    }
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /Sportello hub: (\S+)/.exec(output);
      if (!m?.[1]) return;
      clearTimeout(timer);
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      child.stderr.resume();
      resolve({
        url: m[1],
        enrollmentCode: (istat, frazione) =>
          new Promise((res, rej) =>
            execFile(
              process.execPath,
              [TSX, HUB_CLI, 'enroll-code', istat, frazione],
              { cwd: ROOT, env, encoding: 'utf8' },
              (err, stdout, stderr) => (err ? rej(new Error(stderr.trim() || err.message)) : res(stdout.trim())),
            ),
          ),
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
    child.once('exit', (code) => fail(`the hub exited (${code})`));
  });
}
