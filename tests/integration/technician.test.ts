/**
 * Technician mode over the real dispatcher: PIN, lockout, the diagnostic
 * actions on virtual devices, out of service (forced and automatic), the
 * audit log, and what the heartbeat tells a real hub.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualDevices } from '../../hardware/sim/devices';
import type { VirtualDevices } from '../../hardware/sim/devices';
import type {
  DevicesStatus,
  EventFrame,
  KioskStatus,
  ResponseFrame,
  TechnicianProgress,
} from '../../kiosk-shell/api/contract';
import { parseConfig } from '../../kiosk-shell/runtime/config';
import type { Config } from '../../kiosk-shell/runtime/config';
import { createLogger } from '../../kiosk-shell/runtime/log';
import { DEFAULT_CONFIG } from '../../kiosk-shell/runtime/paths';
import { startRestartableRuntime, startRuntime } from '../../kiosk-shell/runtime/runtime';
import { WebSocket } from 'ws';
import { groupPickupCode, pickupCodeOf } from '../../kiosk-shell/runtime/pickup-code';
import type { Runtime } from '../../kiosk-shell/runtime/runtime';
import {
  TECH_KEYS,
  appendAudit,
  getTechState,
  integrityCheck,
  integrityCheckInSteps,
  loadPaperCount,
  recentAudit,
  savePaperCount,
  setTechState,
} from '../../sync/store/technician';
import type { IntegrityProgress } from '../../sync/store/technician';
import { newSubmissionId } from '../../sync/store/submissions';
import { queueSealedCertificate } from '../helpers/queue';
import { loadEnrollment } from '../../sync/client';
import { seal } from '../../sync/crypto/seal';
import Database from 'better-sqlite3';
import { closeStore, openStore } from '../../sync/store/db';
import { LATEST_VERSION, migrate } from '../../sync/store/migrations';
import { startHub } from '../../server/hub';
import type { RunningHub } from '../../server/hub';
import { certificateForPickupHere } from '../helpers/requests';
import { expectStoreHoldsNone, newestReceiptCode } from '../helpers/store-bytes';
import { until } from '../helpers/until';

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

/** The `technician.progress` events of `action` from now on, as { done, total }. */
function progressOf(runtime: Runtime, action: 'syncNow' | 'checkIntegrity'): IntegrityProgress[] {
  const seen: IntegrityProgress[] = [];
  runtime.onEvent((f: EventFrame) => {
    if (f.event !== 'technician.progress') return;
    const p = f.payload as TechnicianProgress;
    if (p.action === action) seen.push({ done: p.done, total: p.total });
  });
  return seen;
}

/** Rewrites an index's definition in the schema without rebuilding it: its entries no longer match its table. */
function pointIndexElsewhere(db: Database.Database, index: string, sql: string): void {
  db.unsafeMode(true);
  db.pragma('writable_schema = ON');
  db.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'index' AND name = ?").run(sql, index);
  db.pragma('writable_schema = OFF');
  db.unsafeMode(false);
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

  it('runs the integrity check on demand, table by table, reporting each step and answering meanwhile', async () => {
    const runtime = await start({}, false);
    const token = await login(runtime);
    const progress = progressOf(runtime, 'checkIntegrity');
    const answered: string[] = [];
    const check = value(runtime, 'technician.checkIntegrity', { token }).then((r) => {
      answered.push('check');
      return r;
    });
    // The API keeps answering between the steps.
    await value(runtime, 'technician.overview', { token }).then(() => answered.push('overview'));
    expect(await check).toMatchObject({ ok: true, detail: 'ok' });
    expect(answered).toEqual(['overview', 'check']);
    // The schema table, every table with its indexes, then the file's pages as a whole.
    const tables = runtime.store.db.prepare("SELECT COUNT(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as {
      n: number;
    };
    const total = tables.n + 2;
    expect(progress).toEqual(Array.from({ length: total + 1 }, (_, done) => ({ done, total })));
    expect(runtime.status()).toMatchObject({ inService: true });
  });

  it('fails the check on demand for a store whose index is out of step with its table, and goes out of service', async () => {
    // quick_check at boot does not compare indexes with their tables: only the full check sees this.
    const store = openStore(join(dataDir, 'sportello.db'));
    for (let i = 0; i < 5; i++) appendAudit(store.db, { at: T0 + i, actor: 'pin', action: 'test-print' });
    closeStore(store);
    const raw = new Database(join(dataDir, 'sportello.db'));
    pointIndexElsewhere(
      raw,
      'technician_audit_unpushed',
      'CREATE INDEX technician_audit_unpushed ON technician_audit (at) WHERE pushed_at IS NULL',
    );
    raw.close();

    const runtime = await start({}, false);
    expect(runtime.store.integrityFailure).toBeNull();
    expect(runtime.status()).toMatchObject({ inService: true });
    const token = await login(runtime);
    const progress = progressOf(runtime, 'checkIntegrity');
    const result = await value<{ ok: boolean; detail: string }>(runtime, 'technician.checkIntegrity', { token });
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/missing from index technician_audit_unpushed/);
    expect(progress.at(-1)).toEqual({ done: progress.at(-1)!.total, total: progress.at(-1)!.total });
    expect(runtime.status()).toMatchObject({ inService: false, outOfServiceReason: 'STORE_INTEGRITY' });
  });
});

describe('the integrity check, table by table', () => {
  /** A small database file with two tables and an index, as the store's shape. */
  function smallDb(name: string): string {
    const path = join(dataDir, name);
    const db = new Database(path);
    db.pragma('journal_mode = DELETE');
    db.exec('CREATE TABLE t (x TEXT, z TEXT) STRICT; CREATE INDEX t_x ON t (x); CREATE TABLE u (y TEXT) STRICT;');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 300; i++) insert.run(`row-${i}`, `z-${i}`);
    })();
    db.close();
    return path;
  }
  const steps = async (path: string) => {
    const db = new Database(path);
    const progress: IntegrityProgress[] = [];
    try {
      return { result: await integrityCheckInSteps(db, (p) => progress.push(p)), progress, full: integrityCheck(db) };
    } finally {
      db.close();
    }
  };

  it('agrees with the whole-database check on a healthy file, in one step per table plus one', async () => {
    const path = smallDb('steps-ok.db');
    const { result, progress, full } = await steps(path);
    expect([result, full]).toEqual(['ok', 'ok']);
    expect(progress).toEqual([0, 1, 2, 3, 4].map((done) => ({ done, total: 4 })));
    rmSync(path);
  });

  it('finds rows missing from an index, which quick_check alone does not', async () => {
    const path = smallDb('steps-index.db');
    const db = new Database(path);
    pointIndexElsewhere(db, 't_x', 'CREATE INDEX t_x ON t (z)');
    db.close();
    const { result, full } = await steps(path);
    const check = new Database(path);
    expect(check.pragma('quick_check', { simple: true })).toBe('ok');
    check.close();
    expect(full).toMatch(/missing from index t_x/);
    expect(result).toMatch(/row 1 missing from index t_x/);
    rmSync(path);
  });

  it('fails on a file whose b-tree pages were overwritten, as the whole-database check does', async () => {
    const path = smallDb('steps-scribbled.db');
    // As the store's boot test does: scribble over pages past the header.
    const bytes = readFileSync(path);
    bytes.fill(0xa5, 4096 * 2, 4096 * 4);
    writeFileSync(path, bytes);
    const db = new Database(path);
    const progress: IntegrityProgress[] = [];
    const result = await integrityCheckInSteps(db, (p) => progress.push(p));
    db.close();
    expect(result).not.toBe('ok');
    expect(progress.at(-1)?.done).toBe(progress.at(-1)?.total);
    rmSync(path);
  });

  it('finds a page no table uses, which the per-table checks alone do not', async () => {
    const path = smallDb('steps-orphan.db');
    // One more page in the header's page count, belonging to no b-tree and not on the freelist.
    const bytes = readFileSync(path);
    bytes.writeUInt32BE(bytes.readUInt32BE(28) + 1, 28);
    writeFileSync(path, Buffer.concat([bytes, Buffer.alloc(bytes.readUInt16BE(16))]));
    const db = new Database(path);
    for (const table of ['sqlite_schema', 't', 'u']) {
      expect(db.pragma(`integrity_check("${table}")`, { simple: true })).toBe('ok');
    }
    db.close();
    const { result, full } = await steps(path);
    expect(full).toMatch(/never used/);
    expect(result).toMatch(/never used/);
    rmSync(path);
  });
});

describe('force sync with progress over a real hub', () => {
  let hub: RunningHub;
  let hubDir: string;
  beforeAll(async () => {
    hubDir = mkdtempSync(join(tmpdir(), 'sportello-technician-hub3-'));
    hub = await startHub({ dataDir: hubDir });
  });
  afterAll(async () => {
    await hub.close();
    rmSync(hubDir, { recursive: true, force: true });
  });

  it('reports the queued requests leaving batch by batch; with the hub down it stops at none and says why', async () => {
    clock = Date.now();
    const runtime = await start({ hub: { url: hub.url } }, false);
    await runtime.sync!.enroll(await hub.admin.createEnrollmentCode({ istat: '011011', frazione: 'colombiera' }));
    await runtime.sync!.syncNow();
    const token = await login(runtime);
    const pinned = loadEnrollment(runtime.store.db)!;

    // The hub goes away, and 120 requests wait in the queue.
    const port = hub.port;
    await hub.close();
    const personal = new TextEncoder().encode(JSON.stringify({ codiceFiscale: 'RSSMRA85T10A562S' }));
    for (let i = 0; i < 120; i++) {
      const now = new Date();
      const id = newSubmissionId(now);
      queueSealedCertificate(runtime.store.db, id, await seal(pinned.hubEncryptionKey, personal, id), { now });
    }

    let progress = progressOf(runtime, 'syncNow');
    const down = await value<{ queued: number; lastError: string | null }>(runtime, 'technician.syncNow', { token });
    expect(down).toMatchObject({ queued: 120, lastError: 'HUB_UNREACHABLE' });
    expect(progress).toEqual([
      { done: 0, total: 120 },
      { done: 0, total: 120 },
    ]);

    hub = await startHub({ dataDir: hubDir, port });
    progress = progressOf(runtime, 'syncNow');
    const up = await value<{ queued: number; lastError: string | null }>(runtime, 'technician.syncNow', { token });
    expect(up).toMatchObject({ queued: 0, lastError: null });
    // One report per pushed batch of 50, then the last one as the call answers.
    expect(progress).toEqual([0, 50, 100, 120, 120].map((done) => ({ done, total: 120 })));
    expect((await hub.admin.listRequests()).length).toBe(120);
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

describe('print previews, configuration and restarts', () => {
  let hub: RunningHub;
  let hubDir: string;
  const CF = 'RSSMRA85T10A562S';
  const SELF_AT_KIOSK = certificateForPickupHere(CF);

  beforeAll(async () => {
    hubDir = mkdtempSync(join(tmpdir(), 'sportello-technician-hub2-'));
    hub = await startHub({ dataDir: hubDir });
  });
  afterAll(async () => {
    await hub.close();
    rmSync(hubDir, { recursive: true, force: true });
  });

  const enrollmentCode = () => hub.admin.createEnrollmentCode({ istat: '011011', frazione: 'colombiera' });

  it('enrolls from the screen and keeps masked previews of the last prints in memory only', async () => {
    clock = Date.now();
    const runtime = await start({ hub: { url: hub.url } });
    await until(() => runtime.devices.status().printer.connection === 'connected', 'the printer');
    const token = await login(runtime);
    const code = await enrollmentCode();
    expect(await value(runtime, 'technician.configure', { token, enrollmentCode: code })).toMatchObject({
      ok: true,
      syncRestarted: true,
      reopened: [],
    });
    expect(runtime.sync?.status().enrolled).toBe(true);
    await until(
      async () => (await value<{ available: boolean }>(runtime, 'services.catalog')).available,
      'the catalog',
    );

    const before = sims.printer.receipts().length;
    await value(runtime, 'technician.testPrint', { token });
    const created = await value<{ receiptCode: string; print: { printed: boolean } }>(
      runtime,
      'requests.create',
      SELF_AT_KIOSK,
    );
    expect(created.print.printed).toBe(true);
    const printed = await until(() => sims.printer.receipts()[before + 1], 'the receipt');
    const secret = /\[QR: SPORTELLO:1:[^:]+:([A-Za-z0-9_-]+)\]/.exec(printed.text)?.[1];
    expect(secret).toBeDefined();
    // The pickup code printed under the QR: the secret again, typeable.
    const pickupCode = groupPickupCode(pickupCodeOf(secret!));
    expect(printed.text.replace(/\s+/g, ' ')).toContain(pickupCode.slice(0, 14));

    const previews = await value<Array<{ kind: string; printed: boolean; svg: string; at: string }>>(
      runtime,
      'technician.printPreviews',
      { token },
    );
    expect(previews.map((p) => [p.kind, p.printed])).toEqual([
      ['request', true],
      ['test', true],
    ]);
    const svg = previews[0]!.svg;
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain(created.receiptCode); // what the receipt is about stays readable
    expect(svg).not.toContain(secret!);
    for (const group of pickupCode.split(' ').slice(0, -1)) expect(svg).not.toContain(group);
    expect(svg).not.toContain(CF);
    // In memory only: neither the image nor the secret is anywhere in the store's files.
    // A changed configuration never holds the code, nor does the audit.
    expect(JSON.stringify(recentAudit(runtime.store.db))).not.toContain(code);
    expectStoreHoldsNone(
      dataDir,
      { 'a print preview': '<svg', 'the pickup secret': secret!, 'the enrollment code': code },
      newestReceiptCode(runtime.store.db),
    );
  });

  it('refuses a bad configuration with nothing changed, applies a good one at once, and keeps it across a restart', async () => {
    clock = Date.now();
    const { printer, scanner, magstripe, mrz } = sims.paths;
    let runtime = await start({ hub: { url: hub.url }, devices: { printer, barcode: scanner, magstripe, mrz: null } });
    const token = await login(runtime);
    const before = await value<{ config: unknown }>(runtime, 'technician.overview', { token });
    const regularFile = join(dataDir, 'not-a-port');
    writeFileSync(regularFile, '');

    const refusals: Array<[unknown, string, string]> = [
      [{ devices: { printer: join(dataDir, 'dev', 'missing') } }, 'path-missing', 'devices.printer'],
      [{ devices: { mrz: regularFile } }, 'not-a-device', 'devices.mrz'],
      [{ devices: { barcode: 'relative/path' } }, 'invalid', 'devices.barcode'],
      [{ hubUrl: 'ftp://hub.example' }, 'invalid', 'hubUrl'],
      [{ enrollmentCode: 'NOT-A-CODE' }, 'enroll-refused', 'enrollmentCode'],
    ];
    for (const [change, problem, field] of refusals) {
      expect(await value(runtime, 'technician.configure', { token, ...(change as object) })).toEqual({
        ok: false,
        problem,
        field,
      });
    }
    expect((await value<{ config: unknown }>(runtime, 'technician.overview', { token })).config).toEqual(before.config);
    expect(runtime.devices.status().mrz.connection).toBe('not-configured');

    // A new MRZ port opens at once; the other devices are left alone, and the UI hears of it.
    const pushed: DevicesStatus[] = [];
    runtime.onEvent((f: EventFrame) => f.event === 'devices.status' && pushed.push(f.payload as DevicesStatus));
    const applied = await value<{ ok: true; reopened: string[]; config: { devices: { mrz: string | null } } }>(
      runtime,
      'technician.configure',
      { token, devices: { mrz } },
    );
    expect(applied).toMatchObject({ ok: true, reopened: ['mrz'], syncRestarted: false, config: { devices: { mrz } } });
    await until(() => runtime.devices.status().mrz.connection === 'connected', 'the MRZ reader on its new path');
    await until(() => pushed.some((d) => d.mrz.connection === 'connected'), 'the devices.status event');
    const url = `${hub.url}/`;
    expect(await value(runtime, 'technician.configure', { token, hubUrl: url })).toMatchObject({
      ok: true,
      syncRestarted: true,
      config: { hubUrl: url },
    });
    const audit = recentAudit(runtime.store.db);
    expect(audit.filter((a) => a.action === 'config.refused')).toHaveLength(refusals.length);
    expect(audit.filter((a) => a.action === 'config.changed').map((a) => a.detail)).toEqual([
      expect.objectContaining({ hubUrl: url, reopened: '', syncRestarted: true }),
      expect.objectContaining({ mrz, reopened: 'mrz', syncRestarted: false }),
    ]);

    // The file still says no MRZ reader and the old hub: the kiosk's override wins at every start.
    await stop(runtime);
    runtime = await start({ hub: { url: hub.url }, devices: { printer, barcode: scanner, magstripe, mrz: null } });
    expect(runtime.config.devices.mrz).toBe(mrz);
    expect(runtime.config.hub.url).toBe(url);
    await until(() => runtime.devices.status().mrz.connection === 'connected', 'the MRZ reader after a restart');
  });

  it('restarts the runtime in place: the UI reconnects, the queue and the paper counter are kept', async () => {
    clock = Date.now();
    const { printer, scanner, magstripe, mrz } = sims.paths;
    const host = await startRestartableRuntime({
      config: { ...base, hub: { url: hub.url }, devices: { printer, barcode: scanner, magstripe, mrz } },
      log: createLogger({ level: 'silent' }),
      now: () => new Date(clock),
      freeBytes: () => free,
      browser: { uiDir: dataDir },
    });
    try {
      const first = host.current();
      await first.sync!.enroll(await enrollmentCode());
      await until(() => first.devices.status().printer.connection === 'connected', 'the printer');
      await until(async () => (await value<{ available: boolean }>(first, 'services.catalog')).available, 'catalog');
      const created = await value<{ receiptCode: string }>(first, 'requests.create', SELF_AT_KIOSK);
      const token = await login(first);
      const fresh = (await value<{ remainingReceipts: number }>(first, 'technician.paperReplaced', { token }))
        .remainingReceipts;
      await value(first, 'technician.testPrint', { token });
      const paper = first.devices.status().printer.remainingReceipts;
      expect(paper).not.toBe(fresh);

      // The UI's side: a WebSocket with the boot token, as src/api/client.ts opens it.
      const server = first.server!;
      const wsUrl = `ws://127.0.0.1:${server.port}/api?token=${new URL(server.url).hash.slice('#token='.length)}`;
      const ask = (ws: WebSocket, method: string, input: unknown) =>
        new Promise<ResponseFrame['result']>((resolve) => {
          ws.on('message', (data: Buffer) => {
            const frame = JSON.parse(data.toString()) as ResponseFrame;
            if (frame.id === 9) resolve(frame.result);
          });
          ws.send(JSON.stringify({ id: 9, method, input }));
        });
      const connect = () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(wsUrl);
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        });
      const ws = await connect();
      const closed = new Promise((resolve) => ws.once('close', resolve));
      const restarted = new Promise<Runtime>((resolve) => host.onRestarted(resolve));
      expect(await ask(ws, 'technician.restart', { token, target: 'runtime' })).toEqual({ ok: true, value: {} });
      await closed; // the old runtime went away cleanly
      const second = await restarted;
      expect(second).not.toBe(first);
      expect(second.server?.port).toBe(server.port);

      const again = await until(() => connect().catch(() => null), 'a new connection with the same token');
      // Every session ended with the old runtime, the technician's too.
      expect(await ask(again, 'technician.overview', { token })).toMatchObject({
        ok: false,
        error: { code: 'UNAUTHORIZED' },
      });
      expect(await ask(again, 'requests.lookup', { receiptCode: created.receiptCode })).toMatchObject({
        ok: true,
        value: { found: true },
      });
      again.close();
      expect(second.devices.status().printer.remainingReceipts).toBe(paper);
      expect(recentAudit(second.store.db).map((a) => a.action)).toContain('restart.runtime');
    } finally {
      await host.close();
    }
  });
});

describe('the paper counter in the store (migration 7)', () => {
  it('upgrades a version-6 database holding technician state, and keeps the counter across opens', () => {
    const path = join(dataDir, 'migration-7.db');
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    migrate(old, 6);
    setTechState(old, TECH_KEYS.service, JSON.stringify({ message: 'Cambio carta' }), T0);
    appendAudit(old, { at: T0, actor: 'pin', action: 'login' });
    old.close();

    let store = openStore(path);
    expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    expect(getTechState(store.db, TECH_KEYS.service)).toBe(JSON.stringify({ message: 'Cambio carta' }));
    expect(recentAudit(store.db).map((a) => a.action)).toEqual(['login']);
    expect(loadPaperCount(store.db)).toBeNull();
    savePaperCount(store.db, { usedMm: 240.5, receipts: 2 }, T0);
    savePaperCount(store.db, { usedMm: 0, receipts: 0 }, T0 + 1000, { replaced: true });
    savePaperCount(store.db, { usedMm: 120, receipts: 1 }, T0 + 2000);
    closeStore(store);

    store = openStore(path);
    expect(loadPaperCount(store.db)).toEqual({ usedMm: 120, receipts: 1, replacedAt: T0 + 1000 });
    closeStore(store);
    for (const f of ['', '-wal', '-shm']) rmSync(`${path}${f}`, { force: true });
  });
});
