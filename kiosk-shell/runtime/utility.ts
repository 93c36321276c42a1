/**
 * Entry point of the runtime under Electron, as a utilityProcess. Main hands
 * it a MessagePort per renderer connection; every frame on it goes through
 * the same dispatcher as browser mode. This file never imports electron: the
 * parent port is the Node-side object Electron puts on `process`.
 */
import { loadConfig } from './config';
import { createFileLogger } from './logfile';
import { configPath } from './paths';
import { startRuntime } from './runtime';

type PortLike = {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
  start(): void;
};
type ParentPort = { on(event: 'message', listener: (e: { data: unknown; ports: PortLike[] }) => void): void };

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) throw new Error('utility.ts runs only as an Electron utilityProcess');

// Listen before any await: main may hand over the first port while the store is still opening.
let dispatch: ((raw: string) => Promise<unknown>) | null = null;
const early: Array<{ port: PortLike; raw: string }> = [];

function answer(port: PortLike, raw: string): void {
  if (!dispatch) {
    early.push({ port, raw });
    return;
  }
  void dispatch(raw).then((response) => port.postMessage(JSON.stringify(response)));
}

// The renderer's current port: main hands over a new one after either side restarts.
let current: PortLike | null = null;

parentPort.on('message', (e) => {
  const port = e.ports[0];
  if ((e.data as { type?: unknown } | null)?.type !== 'kiosk-api-port' || !port) return;
  current = port;
  port.on('message', (m) => answer(port, typeof m.data === 'string' ? m.data : ''));
  port.start();
});

const config = loadConfig(configPath());
const log = createFileLogger(config.dataDir);
const runtime = await startRuntime({ config, log });
dispatch = runtime.dispatch;
// The launcher hands a one-time code from a local hub on first start.
const code = process.env.SPORTELLO_ENROLL_CODE;
if (code && runtime.sync && !runtime.sync.status().enrolled) {
  runtime.sync
    .enroll(code)
    .catch((err: unknown) => log.warn({ event: 'sync.enroll-failed', err }, 'enrollment failed'));
}
runtime.onEvent((frame) => current?.postMessage(JSON.stringify(frame)));
for (const { port, raw } of early.splice(0)) answer(port, raw);

process.once('SIGTERM', () => {
  void runtime.close().then(() => process.exit(0));
});
