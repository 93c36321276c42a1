/**
 * Whether headphones are plugged into the kiosk's jack. Speech mode starts
 * when they are. The state is read from one file, `<dataDir>/dev/headphones`
 * holding `in` or `out`: on a kiosk an acpid action writes it on the
 * kernel's `jack/headphone` events (see docs/ACCESSIBILITY.md), and the
 * simulator writes it for `npm run sim -- headphones in|out`. A missing file
 * means unplugged. Polled, because inotify misses writes on some mounts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const JACK_POLL_MS = 250;

export function jackFile(dataDir: string): string {
  return join(dataDir, 'dev', 'headphones');
}

export function readJack(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').trim() === 'in';
  } catch {
    return false;
  }
}

export type Jack = { connected(): boolean; close(): void };

/** Watches `file`; calls `onChange` whenever the headphones go in or out. */
export function watchJack(file: string, onChange: (connected: boolean) => void, pollMs = JACK_POLL_MS): Jack {
  let connected = readJack(file);
  const timer = setInterval(() => {
    const now = readJack(file);
    if (now === connected) return;
    connected = now;
    onChange(now);
  }, pollMs);
  timer.unref();
  return { connected: () => connected, close: () => clearInterval(timer) };
}
