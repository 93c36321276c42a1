/**
 * A kiosk that can serve residents end to end: the real runtime in browser
 * mode with virtual devices on socat PTYs (driven the way `npm run sim` drives
 * them), enrolled with a real hub on a fixed local port that a test can stop
 * and start again (the same database) to take the kiosk offline.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVirtualDevices } from '../../hardware/sim/devices';
import type { VirtualDevices } from '../../hardware/sim/devices';
import type { VirtualReceipt } from '../../hardware/sim/printer';
import { parseConfig } from '../../kiosk-shell/runtime/config';
import { createLogger } from '../../kiosk-shell/runtime/log';
import { UI_DIR } from '../../kiosk-shell/runtime/paths';
import { startRuntime } from '../../kiosk-shell/runtime/runtime';
import type { Runtime } from '../../kiosk-shell/runtime/runtime';
import { startHub } from '../../server/hub';
import type { RunningHub } from '../../server/hub';
import type { RequestSummary } from '../../server/db/requests';
import { DEMO_CONFIG } from './harness';
import type { Kiosk } from './harness';
import { until } from '../helpers/until';

export type ServiceKiosk = Kiosk & {
  sims: VirtualDevices;
  /** The hub's admin API (null while the hub is stopped). */
  hub(): RunningHub | null;
  stopHub(): Promise<void>;
  startHub(): Promise<void>;
  /** Every request the hub holds. Needs the hub running. */
  hubRequests(): Promise<RequestSummary[]>;
  /** Receipts the virtual printer completed after `from` (an index from `receiptCount()`). */
  receiptsSince(from: number): VirtualReceipt[];
  receiptCount(): number;
};

export { until };

/** Calls the kiosk API as the page would; the answer's value, or a throw naming the error code. */
export async function kioskValue<T>(kiosk: ServiceKiosk, method: string, input: unknown): Promise<T> {
  const result = (await kiosk.runtime.dispatch(JSON.stringify({ id: 1, method, input }))).result;
  if (!result.ok) throw new Error(`${method}: ${result.error.code}`);
  return result.value as T;
}

export async function startServiceKiosk(): Promise<ServiceKiosk> {
  const hubDir = mkdtempSync(join(tmpdir(), 'sportello-e2e-hub-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'sportello-e2e-kiosk-'));
  let hub: RunningHub | null = await startHub({ dataDir: hubDir });
  const port = hub.port;
  const sims = await startVirtualDevices(dataDir);
  const base = parseConfig(JSON.parse(readFileSync(DEMO_CONFIG, 'utf8')), DEMO_CONFIG, { SPORTELLO_DATA_DIR: dataDir });
  const { printer, scanner, magstripe, mrz } = sims.paths;
  const runtime: Runtime = await startRuntime({
    config: { ...base, hub: { url: hub.url }, devices: { printer, barcode: scanner, magstripe, mrz } },
    log: createLogger({ level: 'silent' }),
    browser: { uiDir: UI_DIR, port: 0 },
  });
  await runtime.sync!.enroll(await hub.admin.createEnrollmentCode({ istat: '011011', frazione: 'colombiera' }));
  const catalogReady = async () => {
    const r = (await runtime.dispatch(JSON.stringify({ id: 1, method: 'services.catalog', input: {} }))).result;
    return r.ok && (r.value as { available: boolean }).available;
  };
  await until(catalogReady, 'the catalog from the hub', 15_000);
  await until(() => runtime.devices.status().printer.connection === 'connected', 'the printer');

  let closed = false;
  return {
    runtime,
    dataDir,
    url: runtime.server!.url,
    sims,
    hub: () => hub,
    async stopHub() {
      await hub?.close();
      hub = null;
    },
    async startHub() {
      hub ??= await startHub({ dataDir: hubDir, port });
    },
    async hubRequests() {
      if (!hub) throw new Error('the hub is stopped');
      return hub.admin.listRequests();
    },
    receiptCount: () => sims.printer.receipts().length,
    receiptsSince: (from) =>
      sims.printer
        .receipts()
        .slice(from)
        .filter((r) => r.complete),
    async close() {
      if (closed) return;
      closed = true;
      await runtime.close();
      await sims.close();
      await hub?.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(hubDir, { recursive: true, force: true });
    },
  };
}
