/**
 * A virtual serial cable: socat joins two pseudo-terminals, and symlinks give
 * them stable names. The kiosk opens `kioskPath` exactly as it would open
 * /dev/serial/by-id/…; a virtual device reads and writes `devicePath`.
 * `unplug()` kills socat (both paths vanish, like a pulled USB cable) and
 * `plug()` starts it again under the same names.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type PtyPair = {
  kioskPath: string;
  devicePath: string;
  readonly plugged: boolean;
  unplug(): Promise<void>;
  plug(): Promise<void>;
  close(): Promise<void>;
};

const READY_TIMEOUT_MS = 5_000;

async function waitFor(test: () => boolean, what: string): Promise<void> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > READY_TIMEOUT_MS) throw new Error(`socat: ${what} did not appear`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Creates `<dir>/<name>` (the kiosk's end) and `<dir>/<name>.device` (the virtual device's end). */
export async function createPtyPair(dir: string, name: string): Promise<PtyPair> {
  const kioskPath = join(dir, name);
  const devicePath = join(dir, `${name}.device`);
  let child: ChildProcess | null = null;

  async function plug(): Promise<void> {
    if (child) return;
    const proc = spawn('socat', [`pty,raw,echo=0,link=${kioskPath}`, `pty,raw,echo=0,link=${devicePath}`], {
      stdio: 'ignore',
    });
    child = proc;
    let failure: Error | null = null;
    proc.once('error', (err) => (failure = err)); // socat missing: spawn fails asynchronously
    proc.once('exit', () => {
      if (child === proc) child = null;
    });
    await waitFor(() => {
      if (failure) throw new Error(`socat could not start (${failure.message}): apt-get install socat`);
      return existsSync(kioskPath) && existsSync(devicePath);
    }, `${kioskPath}`);
  }

  async function unplug(): Promise<void> {
    const proc = child;
    if (!proc) return;
    child = null;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    await exited;
    await waitFor(() => !existsSync(kioskPath) && !existsSync(devicePath), `removal of ${kioskPath}`);
  }

  await plug();
  return {
    kioskPath,
    devicePath,
    get plugged() {
      return child !== null;
    },
    plug,
    unplug,
    close: unplug,
  };
}
