/**
 * Technician mode over the real dispatcher: PIN, lockout, the diagnostic
 * actions on virtual devices, out of service (forced and automatic), the
 * audit log, and what the heartbeat tells a real hub.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualDevices } from '../../hardware/sim/devices';
import type { VirtualDevices } from '../../hardware/sim/devices';
import type { EventFrame, KioskStatus, ResponseFrame } from '../../kiosk-shell/api/contract';
import { parseConfig } from '../../kiosk-shell/runtime/config';
import type { Config } from '../../kiosk-shell/runtime/config';
import { createLogger } from '../../kiosk-shell/runtime/log';
import { DEFAULT_CONFIG } from '../../kiosk-shell/runtime/paths';
import { startRuntime } from '../../kiosk-shell/runtime/runtime';
import type { Runtime } from '../../kiosk-shell/runtime/runtime';
import { recentAudit } from '../../sync/store/technician';
import { startHub } from '../../server/hub';
import type { RunningHub } from '../../server/hub';

const DEMO_PIN = '1357';
const T0 = Date.parse('2025-03-10T09:00:00Z');

let dataDir: string;
let sims: VirtualDevices;
let base: Config;
let clock = T0;
let free: number | null = 10 * 1024 ** 3;
const running: Runtime[] = [];

async function start(overrides: Partial<Config> = {}, devices = true): Promise<Runtime> {
  const { printer, scanner, magstripe, mrz } = sims.paths;
  const runtime = await startRuntime({
    config: {
      ...base,
      ...(devices && { devices: { printer, barcode: scanner, magstripe, mrz } }),
      ...overrides,
    },
    log: createLogger({ level: 'silent' }),
    now: () => new Date(clock),
    freeBytes: () => free,
  });
  running.push(runtime);
  return runtime;
}

async function stop(runtime: Runtime): Promise<void> {
  running.splice(running.indexOf(runtime), 1);
  await runtime.close();
}

async function call(runtime: Runtime, method: string, input: unknown = {}): Promise<ResponseFrame['result']> {
  return (await runtime.dispatch(JSON.stringify({ id: 1, method, input }))).result;
}

async function value<T = unknown>(runtime: Runtime, method: string, input: unknown = {}): Promise<T> {
  const r = await call(runtime, method, input);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

async function login(runtime: Runtime, pin = DEMO_PIN): Promise<string> {
  const r = await value<{ ok: boolean; token?: string }>(runtime, 'technician.login', { pin });
  if (!r.ok || !r.token) throw new Error(`login failed: ${JSON.stringify(r)}`);
  return r.token;
}

async function until<T>(
  probe: () => T | false | null | undefined | Promise<T | false | null | undefined>,
  what: string,
  timeoutMs = 8000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sportello-technician-'));
  sims = await startVirtualDevices(dataDir);
  base = parseConfig(JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')), 'demo', { SPORTELLO_DATA_DIR: dataDir });
});

afterEach(async () => {
  for (const r of [...running]) await stop(r);
  clock = T0;
  free = 10 * 1024 ** 3;
  rmSync(join(dataDir, 'sportello.db'), { force: true });
  rmSync(join(dataDir, 'sportello.db-wal'), { force: true });
  rmSync(join(dataDir, 'sportello.db-shm'), { force: true });
});

afterAll(async () => {
  await sims.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('technician entry', () => {
  it('opens a session with the demo PIN, refuses a wrong one, and refuses technician calls without a session', async () => {
    const runtime = await start({}, false);
    expect(await value(runtime, 'technician.login', { pin: '0000' })).toEqual({
      ok: false,
      problem: 'wrong',
      attemptsLeft: 4,
    });
    const token = await login(runtime);
    const overview = await value<{ appVersion: string; status: KioskStatus }>(runtime, 'technician.overview', {
      token,
    });
    expect(overview.status.inService).toBe(true);
    expect(overview.appVersion).toMatch(/^\d+\.\d+\.\d+/);

    const refused = await call(runtime, 'technician.overview', { token: 'x'.repeat(43) });
    expect(refused).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    // A good PIN cleared the wrong try: five more are allowed.
    expect(await value(runtime, 'technician.login', { pin: '0001' })).toMatchObject({ attemptsLeft: 4 });
  });

  it('locks out after five wrong PINs, for longer each time, across a restart', async () => {
    let runtime = await start({}, false);
    for (let i = 4; i >= 1; i--) {
      expect(await value(runtime, 'technician.login', { pin: '9999' })).toEqual({
        ok: false,
        problem: 'wrong',
        attemptsLeft: i,
      });
    }
    const first = await value<{ problem: string; retryAt: string }>(runtime, 'technician.login', { pin: '9999' });
    expect(first).toEqual({ ok: false, problem: 'locked', retryAt: new Date(T0 + 30_000).toISOString() });
    // Even the right PIN is not checked while locked, and the lock survives a restart.
    await stop(runtime);
    runtime = await start({}, false);
    expect(await value(runtime, 'technician.login', { pin: DEMO_PIN })).toMatchObject({ problem: 'locked' });

    clock += 30_000;
    for (let i = 0; i < 5; i++) await value(runtime, 'technician.login', { pin: '9999' });
    expect(await value(runtime, 'technician.login', { pin: DEMO_PIN })).toEqual({
      ok: false,
      problem: 'locked',
      retryAt: new Date(clock + 60_000).toISOString(),
    });
    clock += 60_000;
    await login(runtime);
  });

  it('ends a session after the idle timeout', async () => {
    const runtime = await start({}, false);
    const token = await login(runtime);
    clock += 299_000;
    await value(runtime, 'technician.overview', { token });
    clock += 299_000;
    await value(runtime, 'technician.overview', { token });
    clock += 300_000;
    expect(await call(runtime, 'technician.overview', { token })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED' },
    });
  });
});

describe('diagnostics on virtual devices', () => {
  it('prints a test receipt, shows masked reads, and resets the paper counter when the roll is replaced', async () => {
    const runtime = await start();
    await until(() => runtime.devices.status().printer.connection === 'connected', 'the printer');
    await until(() => runtime.devices.status().scanner.connection === 'connected', 'the scanner');
    const token = await login(runtime);
    const receipts = sims.printer.receipts().length;
    const fresh = runtime.devices.status().printer.remainingReceipts;

    const print = await value<{ mm: number }>(runtime, 'technician.testPrint', { token });
    expect(print.mm).toBeGreaterThan(0);
    const printed = await until(
      () =>
        sims.printer
          .receipts()
          .slice(receipts)
          .find((r) => r.complete),
      'the receipt',
    );
    expect(printed.text).toContain('Stampa di prova');
    const used = await value<{ devices: { printer: { remainingReceipts: number } } }>(runtime, 'technician.overview', {
      token,
    });
    expect(used.devices.printer.remainingReceipts).not.toBe(fresh);

    await sims.commands.scan(['RSSMRA85T10A562S']);
    const reads = await until(async () => {
      const r = await value<Array<{ masked?: Record<string, unknown> }>>(runtime, 'technician.lastReads', { token });
      return r.length > 0 && r;
    }, 'a read');
    expect(JSON.stringify(reads)).not.toContain('RSSMRA85T10A562S');

    const printer = await value<{ remainingReceipts: number }>(runtime, 'technician.paperReplaced', { token });
    // The counter starts again: the estimate is a new roll's, at the typical receipt length.
    expect(printer.remainingReceipts).toBe(fresh);

    const audit = recentAudit(runtime.store.db).map((a) => a.action);
    expect(audit).toEqual(expect.arrayContaining(['login', 'test-print', 'paper-replaced']));
    // The audit holds ids and codes only.
    expect(JSON.stringify(recentAudit(runtime.store.db))).not.toMatch(/1357|RSSMRA/);
  });

  it('runs the integrity check on demand', async () => {
    const runtime = await start({}, false);
    const token = await login(runtime);
    expect(await value(runtime, 'technician.checkIntegrity', { token })).toMatchObject({ ok: true, detail: 'ok' });
  });
});

describe('out of service', () => {
  it('is forced by a technician with a message, survives a restart, and only a technician lifts it', async () => {
    let runtime = await start({}, false);
    const events: KioskStatus[] = [];
    runtime.onEvent((f: EventFrame) => f.event === 'kiosk.status' && events.push(f.payload as KioskStatus));
    const token = await login(runtime);
    const status = await value<KioskStatus>(runtime, 'technician.setService', {
      token,
      inService: false,
      message: 'Manutenzione fino alle 14',
    });
    expect(status).toEqual({
      inService: false,
      outOfServiceReason: 'TECHNICIAN',
      message: 'Manutenzione fino alle 14',
    });
    expect(events.at(-1)).toEqual(status);
    expect(await call(runtime, 'requests.lookup', { receiptCode: 'K7Q29FXM' })).toMatchObject({
      ok: false,
      error: { code: 'OUT_OF_SERVICE' },
    });

    await stop(runtime);
    runtime = await start({}, false);
    expect(runtime.status()).toEqual(status);
    const again = await login(runtime);
    expect(await value(runtime, 'technician.setService', { token: again, inService: true })).toEqual({
      inService: true,
      outOfServiceReason: null,
    });
    expect(recentAudit(runtime.store.db).map((a) => a.action)).toEqual(
      expect.arrayContaining(['service.out', 'service.in']),
    );
  });

  it('goes out of service when the disk is low, and comes back by itself when space is freed', async () => {
    const runtime = await start({}, false);
    const events: KioskStatus[] = [];
    runtime.onEvent((f: EventFrame) => f.event === 'kiosk.status' && events.push(f.payload as KioskStatus));
    free = 100 * 1024 * 1024; // below the default 200 MB
    expect(runtime.service.refresh()).toEqual({ inService: false, outOfServiceReason: 'DISK_LOW' });
    free = 300 * 1024 * 1024;
    expect(runtime.service.refresh()).toEqual({ inService: true, outOfServiceReason: null });
    expect(events.map((e) => e.outOfServiceReason)).toEqual(['DISK_LOW', null]);
  });

  it('goes out of service when every device fails (paper out, readers unplugged), and back when one serves', async () => {
    const runtime = await start({ service: { minFreeMb: 200, deviceGraceS: 0, checkIntervalS: 0.2 } });
    await until(() => runtime.devices.status().printer.connection === 'connected', 'the printer');
    await until(() => runtime.status().inService, 'in service');
    await sims.commands.paper(['out']);
    for (const d of ['scanner', 'magstripe', 'mrz']) await sims.commands.unplug([d]);
    await until(() => runtime.status().outOfServiceReason === 'DEVICES', 'out of service for devices');
    await sims.commands.plug(['scanner']);
    await until(() => runtime.status().inService, 'back in service');
    await sims.commands.paper(['ok']);
    for (const d of ['magstripe', 'mrz']) await sims.commands.plug([d]);
  });
});

describe('the hub is told', () => {
  let hub: RunningHub;
  let hubDir: string;
  beforeAll(async () => {
    hubDir = mkdtempSync(join(tmpdir(), 'sportello-technician-hub-'));
    hub = await startHub({ dataDir: hubDir });
  });
  afterAll(async () => {
    await hub.close();
    rmSync(hubDir, { recursive: true, force: true });
  });

  it('sends paper, the last error and the out-of-service reason with the heartbeat', async () => {
    clock = Date.now();
    const runtime = await start({ hub: { url: hub.url } });
    await until(() => runtime.devices.status().printer.connection === 'connected', 'the printer');
    await until(() => runtime.devices.status().mrz.connection === 'connected', 'the MRZ reader');
    const token = await login(runtime);
    await value(runtime, 'technician.setService', { token, inService: false, message: 'Cambio carta' });
    await sims.commands.unplug(['mrz']);
    await until(() => runtime.devices.status().mrz.connection !== 'connected', 'the MRZ reader unplugged');

    await runtime.sync!.enroll(await hub.admin.createEnrollmentCode({ istat: '011011', frazione: 'colombiera' }));
    const beat = await until(async () => {
      const kiosks = await hub.admin.listKiosks();
      return kiosks[0]?.lastHeartbeat as Record<string, unknown> | undefined;
    }, 'a heartbeat');
    expect(beat).toMatchObject({
      paper: { nearEnd: false, remainingReceipts: expect.any(Number) },
      lastError: 'DEVICE_OFFLINE',
      outOfService: { reason: 'TECHNICIAN', message: 'Cambio carta' },
    });
    await sims.commands.plug(['mrz']);
  });
});
