/**
 * The kiosk as the integration suites drive it: the real runtime with the
 * demo configuration, its store on disk, the virtual devices on PTYs, enrolled
 * with a real hub on an ephemeral port; ready once the catalog has come and
 * the printer is connected.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startVirtualDevices } from '../../hardware/sim/devices';
import type { VirtualDevices } from '../../hardware/sim/devices';
import type { ReaderRead, ResponseFrame } from '../../kiosk-shell/api/contract';
import { parseConfig } from '../../kiosk-shell/runtime/config';
import { createLogger } from '../../kiosk-shell/runtime/log';
import { DEFAULT_CONFIG } from '../../kiosk-shell/runtime/paths';
import { startRuntime } from '../../kiosk-shell/runtime/runtime';
import type { Runtime } from '../../kiosk-shell/runtime/runtime';
import { startHub } from '../../server/hub';
import type { RunningHub } from '../../server/hub';
import { until } from './until';

export type EnrolledKiosk = {
  hub: RunningHub;
  hubDir: string;
  sims: VirtualDevices;
  runtime: Runtime;
  /** Every `reader.read` event the runtime sent, in order. */
  reads: ReaderRead[];
  close(): Promise<void>;
};

/** The demo configuration with its store in `dataDir`, syncing with `hubUrl`. */
export function demoConfig(dataDir: string, hubUrl: string) {
  const base = parseConfig(JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')), 'demo', { SPORTELLO_DATA_DIR: dataDir });
  return { ...base, hub: { url: hubUrl } };
}

/** One kiosk API call, as the renderer makes it. */
export async function call(runtime: Runtime, method: string, input: unknown = {}): Promise<ResponseFrame['result']> {
  return (await runtime.dispatch(JSON.stringify({ id: 1, method, input }))).result;
}

/** Starts a hub and an enrolled kiosk with virtual devices, in new directories named from `prefix`. */
export async function startEnrolledKiosk(prefix: string): Promise<EnrolledKiosk> {
  const hubDir = mkdtempSync(join(tmpdir(), `${prefix}hub-`));
  const dataDir = mkdtempSync(join(tmpdir(), `${prefix}kiosk-`));
  const hub = await startHub({ dataDir: hubDir });
  const sims = await startVirtualDevices(dataDir);
  const { printer, scanner, magstripe, mrz } = sims.paths;
  const runtime = await startRuntime({
    config: { ...demoConfig(dataDir, hub.url), devices: { printer, barcode: scanner, magstripe, mrz } },
    log: createLogger({ level: 'silent' }),
  });
  const reads: ReaderRead[] = [];
  runtime.onEvent((frame) => {
    if (frame.event === 'reader.read') reads.push(frame.payload as ReaderRead);
  });
  await runtime.sync!.enroll(await hub.admin.createEnrollmentCode({ istat: '011011', frazione: 'colombiera' }));
  const catalog = async () => {
    const result = await call(runtime, 'services.catalog');
    return result.ok && (result.value as { available: boolean }).available;
  };
  await until(catalog, 'the catalog');
  await until(() => runtime.devices.status().printer.connection === 'connected', 'the printer');
  return {
    hub,
    hubDir,
    sims,
    runtime,
    reads,
    async close() {
      await runtime.close();
      await sims.close();
      await hub.close();
      for (const dir of [dataDir, hubDir]) rmSync(dir, { recursive: true, force: true });
    },
  };
}
