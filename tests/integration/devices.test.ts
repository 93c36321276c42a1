import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simSocketPath, startSimControl } from '../../hardware/sim/control';
import { startVirtualDevices } from '../../hardware/sim/devices';
import type { VirtualDevices } from '../../hardware/sim/devices';
import type { DevicesStatus, EventFrame, ResponseFrame } from '../../kiosk-shell/api/contract';
import { parseConfig } from '../../kiosk-shell/runtime/config';
import { createLogger } from '../../kiosk-shell/runtime/log';
import { DEFAULT_CONFIG, ROOT } from '../../kiosk-shell/runtime/paths';
import { startRuntime } from '../../kiosk-shell/runtime/runtime';
import type { Runtime } from '../../kiosk-shell/runtime/runtime';

const CF = 'RSSMRA85T10A562S';
let dataDir: string;
let sims: VirtualDevices;
let control: { close(): Promise<void> };
let runtime: Runtime;
const events: DevicesStatus[] = [];

async function call(method: string, input: unknown = {}): Promise<ResponseFrame['result']> {
  return (await runtime.dispatch(JSON.stringify({ id: 1, method, input }))).result;
}

async function until(test: (s: DevicesStatus) => boolean, what: string, timeoutMs = 5000): Promise<DevicesStatus> {
  const started = Date.now();
  for (;;) {
    const status = runtime.devices.status();
    if (test(status)) return status;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs the real `npm run sim` CLI as its own process (async: this process serves its socket). */
function sim(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return runSim(dataDir, argv);
}

function runSim(dir: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'hardware/sim/cli.ts'), ...argv],
      { env: { ...process.env, SPORTELLO_DATA_DIR: dir }, encoding: 'utf8' },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout.trim(), err: stderr.trim() }),
    );
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sportello-devices-'));
  sims = await startVirtualDevices(dataDir);
  control = await startSimControl(simSocketPath(dataDir), sims.commands);
  const base = parseConfig(JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')), 'demo', { SPORTELLO_DATA_DIR: dataDir });
  const { printer, scanner, magstripe, mrz } = sims.paths;
  const config = { ...base, devices: { printer, barcode: scanner, magstripe, mrz } };
  runtime = await startRuntime({ config, log: createLogger({ level: 'silent' }) });
  runtime.onEvent((frame: EventFrame) => {
    if (frame.event === 'devices.status') events.push(frame.payload as DevicesStatus);
  });
  await until(
    (s) => [s.printer, s.scanner, s.magstripe, s.mrz].every((d) => d.connection === 'connected' && d.problem === null),
    'every device connected',
  );
}, 30_000);

afterAll(async () => {
  await runtime?.close();
  await control?.close();
  await sims?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the runtime with virtual devices on socat PTYs, driven by npm run sim', () => {
  it('prints a test receipt that the virtual printer decodes, € and accents included', async () => {
    const result = await call('devices.testPrint');
    expect(result).toMatchObject({ ok: true, value: { mm: expect.any(Number) as number } });
    const receipt = sims.printer.receipts().at(-1);
    expect(receipt?.complete).toBe(true);
    expect(receipt?.text).toContain('€ à è é ì ò ù');
    expect(receipt?.qr).toEqual(['SPORTELLO:TEST']);
  });

  it('reports paper out as an event and refuses to print, then recovers when paper is back', async () => {
    expect(await sim('paper', 'out')).toMatchObject({ code: 0, out: 'paper out' });
    await until((s) => s.printer.problem === 'PAPER_OUT', 'paper out');
    expect(events.some((e) => e.printer.problem === 'PAPER_OUT')).toBe(true);
    const printed = sims.printer.receipts().length;
    expect(await call('devices.testPrint')).toMatchObject({ ok: false, error: { code: 'PAPER_OUT' } });
    expect(sims.printer.receipts().length).toBe(printed);

    expect((await sim('paper', 'ok')).code).toBe(0);
    await until((s) => s.printer.problem === null, 'paper back');
    expect(await call('devices.testPrint')).toMatchObject({ ok: true });
  });

  it('reports an open cover', async () => {
    expect((await sim('cover', 'open')).code).toBe(0);
    await until((s) => s.printer.problem === 'COVER_OPEN', 'cover open');
    expect(await call('devices.testPrint')).toMatchObject({ ok: false, error: { code: 'COVER_OPEN' } });
    expect((await sim('cover', 'closed')).code).toBe(0);
    await until((s) => s.printer.problem === null, 'cover closed');
  });

  it('shows a scanned codice fiscale to technicians only masked', async () => {
    expect((await sim('scan', CF)).code).toBe(0);
    let reads: unknown[] = [];
    for (let i = 0; i < 100 && reads.length === 0; i++) {
      const res = await call('devices.lastReads');
      reads = res.ok ? (res.value as unknown[]) : [];
      if (reads.length === 0) await new Promise((r) => setTimeout(r, 25));
    }
    expect(reads[0]).toMatchObject({ reader: 'scanner', outcome: 'read', kind: 'codiceFiscale' });
    expect(JSON.stringify(reads)).not.toContain(CF);
  });

  it('sees a reader unplugged and plugged back in', async () => {
    expect(await sim('unplug', 'mrz')).toMatchObject({ code: 0, out: 'mrz unplugged' });
    await until((s) => s.mrz.connection !== 'connected', 'mrz disconnected');
    expect((await sim('plug', 'mrz')).code).toBe(0);
    await until((s) => s.mrz.connection === 'connected', 'mrz reconnected');
  });

  it('answers a wrong sim command with its usage, and says when no kiosk is running', async () => {
    expect(await sim('paper', 'wet')).toMatchObject({ code: 1, err: 'usage: paper ok|near-end|out' });
    const none = await runSim(join(dataDir, 'nowhere'), ['paper', 'out']);
    expect(none.code).toBe(1);
    expect(none.err).toContain('npm start');
  });
});
