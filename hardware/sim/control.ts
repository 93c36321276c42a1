/**
 * The control channel of the virtual devices: a Unix socket in the data dir
 * that `npm run sim -- …` talks to while the kiosk runs. One JSON line in
 * (`{ "argv": [...] }`), one JSON line out (`{ "ok": true, "message" }` or
 * `{ "ok": false, "message" }`).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { Server } from 'node:net';
import { dirname, join } from 'node:path';

export type SimCommand = (args: string[]) => Promise<string> | string;
export type SimCommands = Record<string, SimCommand>;

const MAX_LINE = 64 * 1024;

/** Where a kiosk using `dataDir` listens for simulator commands. */
export function simSocketPath(dataDir: string): string {
  return join(dataDir, 'sim', 'control.sock');
}

export class SimUsageError extends Error {}

export async function startSimControl(socketPath: string, commands: SimCommands): Promise<{ close(): Promise<void> }> {
  mkdirSync(dirname(socketPath), { recursive: true });
  if (existsSync(socketPath)) rmSync(socketPath); // a stale socket from a kiosk that was killed
  const server: Server = createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_LINE) return socket.destroy();
      const nl = buffer.indexOf('\n');
      if (nl === -1) return;
      const line = buffer.slice(0, nl);
      void run(line).then((reply) => socket.end(`${JSON.stringify(reply)}\n`));
    });
  });

  async function run(line: string): Promise<{ ok: boolean; message: string }> {
    let argv: unknown;
    try {
      argv = (JSON.parse(line) as { argv?: unknown }).argv;
    } catch {
      return { ok: false, message: 'not JSON' };
    }
    if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string') || argv.length === 0) {
      return { ok: false, message: `usage: ${Object.keys(commands).join(' | ')}` };
    }
    const [name, ...args] = argv;
    const command = name === undefined ? undefined : commands[name];
    if (!command)
      return { ok: false, message: `unknown command "${name}"; known: ${Object.keys(commands).join(', ')}` };
    try {
      return { ok: true, message: await command(args) };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if (existsSync(socketPath)) rmSync(socketPath, { force: true });
      }),
  };
}

/** Sends one command to a running kiosk's simulators; rejects when none is listening. */
export function sendSimCommand(
  socketPath: string,
  argv: string[],
  timeoutMs = 10_000,
): Promise<{ ok: boolean; message: string }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the kiosk did not answer'));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify({ argv })}\n`));
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(reply) as { ok: boolean; message: string });
      } catch {
        reject(new Error('unreadable answer from the kiosk'));
      }
    });
  });
}
