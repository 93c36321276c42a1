/**
 * The receipt printer end to end over real serial lines: the kiosk's PrinterService
 * and SerialTransport on one end of a socat PTY pair, the virtual ESC/POS printer on
 * the other, receipts read back from the files the virtual printer writes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../hardware/errors';
import { encodeReceipt } from '../../hardware/printer/encode';
import type { Receipt } from '../../hardware/printer/receipt';
import type { PrinterHealth } from '../../hardware/printer/service';
import { PrinterService } from '../../hardware/printer/service';
import type { VirtualPrinter } from '../../hardware/sim/printer';
import { startVirtualPrinter } from '../../hardware/sim/printer';
import type { PtyPair } from '../../hardware/sim/pty';
import { createPtyPair } from '../../hardware/sim/pty';
import { SerialTransport } from '../../hardware/transport/serial';

const RECEIPT: Receipt = {
  header: { comune: 'Comune di Castelnuovo Magra', logo: true },
  title: 'Ricevuta',
  lines: ['Diritti di segreteria: € 16,00', 'Città: àèéìòù — “Colombiera”'],
  rows: [{ label: 'Codice ricevuta', value: 'K7-2Q9F' }],
  qr: 'https://sportello.example/r/K72Q9F',
  footer: ['Grazie'],
  cut: true,
};

const LOGO = { width: 16, height: 8, data: new Uint8Array(16).fill(0x3c) };

type Rig = {
  dir: string;
  pair: PtyPair;
  sim: VirtualPrinter;
  transport: SerialTransport;
  service: PrinterService;
  statuses: PrinterHealth[];
};

/** Undo steps, run last-first after each test, registered as each part starts (so a failed start cleans up too). */
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (let step = cleanups.pop(); step; step = cleanups.pop()) await step();
});

async function until(test: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = performance.now();
  while (!test()) {
    if (performance.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function rig(options: { lineMs?: number } = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'sportello-printer-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const pair = await createPtyPair(dir, 'printer');
  cleanups.push(() => pair.close());
  const sim = await startVirtualPrinter({
    devicePath: pair.devicePath,
    outDir: join(dir, 'receipts'),
    lineMs: options.lineMs,
  });
  const r = { dir, pair, sim } as Rig;
  cleanups.push(() => r.sim.close()); // r.sim: a test may replace the virtual printer
  r.transport = new SerialTransport({ path: pair.kioskPath, device: 'printer', presenceCheckMs: 100 });
  r.service = new PrinterService({
    transport: r.transport,
    pollIntervalMs: 200,
    statusTimeoutMs: 300,
    busyPollMs: 100,
    printTimeoutMs: 5000,
  });
  cleanups.push(() => r.service.stop());
  r.statuses = [];
  r.service.on('status', (h) => r.statuses.push(h));
  r.service.start();
  await until(() => r.service.health.connection === 'connected');
  return r;
}

async function failure(job: Promise<unknown>): Promise<DeviceError> {
  const outcome = await job.then(
    () => new Error('the job was reported as printed'),
    (err: unknown) => err,
  );
  if (outcome instanceof DeviceError) return outcome;
  throw outcome;
}

describe('receipt printer over a serial line', () => {
  it('prints a receipt that the virtual printer reads back: text, € and accents, QR payload, logo', async () => {
    const { sim, service } = await rig();
    await service.storeLogo(LOGO);
    const result = await service.print(RECEIPT);

    const [receipt, ...more] = sim.receipts();
    expect(more).toEqual([]);
    expect(receipt!.complete).toBe(true);
    expect(receipt!.qr).toEqual(['https://sportello.example/r/K72Q9F']);
    expect(receipt!.text.split('\n')).toEqual([
      '[LOGO]',
      'Comune di Castelnuovo Magra',
      '',
      'Ricevuta',
      '-'.repeat(48),
      'Diritti di segreteria: € 16,00',
      'Città: àèéìòù - "Colombiera"',
      '',
      `Codice ricevuta${' '.repeat(26)}K7-2Q9F`,
      '',
      '[QR: https://sportello.example/r/K72Q9F]',
      '',
      'Grazie',
      '',
    ]);
    expect(readFileSync(receipt!.files.txt, 'utf8')).toBe(receipt!.text);
    const sent = encodeReceipt(RECEIPT);
    expect(readFileSync(receipt!.files.bin)).toEqual(sent.subarray(0, sent.length - 2)); // the trailing ESC @ opens the next one
    expect(readFileSync(receipt!.files.bin).includes(Buffer.from([0xd5, 0x20, 0x31, 0x36]))).toBe(true); // "€ 16" in PC858
    expect(readFileSync(receipt!.files.svg, 'utf8')).toContain('<title>QR: https://sportello.example/r/K72Q9F</title>');
    expect(result.bytes).toBe(sent.length);
    expect(service.paperUsage().receipts).toBe(1);
  });

  it('refuses to print when the paper is out, and prints nothing', async () => {
    const { sim, service } = await rig();
    sim.setPaper('out');
    expect((await failure(service.print(RECEIPT))).code).toBe('PAPER_OUT');
    expect(sim.receipts()).toEqual([]);
    expect(service.health.problem).toBe('PAPER_OUT');
  });

  it('fails the job when the paper runs out in the middle of the receipt', async () => {
    const { sim, service } = await rig();
    sim.setPaper('out', { afterLines: 5 });
    expect((await failure(service.print(RECEIPT))).code).toBe('PAPER_OUT');
    expect(sim.receipts().map((r) => [r.complete, r.reason])).toEqual([[false, 'paper out']]);
    expect(readFileSync(sim.receipts()[0]!.files.txt, 'utf8')).toContain('[INCOMPLETE: paper out]');
    expect(service.paperUsage().receipts).toBe(0);

    sim.setPaper('ok');
    await service.print(RECEIPT);
    expect(sim.receipts().map((r) => r.complete)).toEqual([false, true]);
  });

  it('refuses with COVER_OPEN while the cover is open, and prints once it is closed', async () => {
    const { sim, service, statuses } = await rig();
    sim.setCover('open');
    expect((await failure(service.print(RECEIPT))).code).toBe('COVER_OPEN');
    expect(sim.receipts()).toEqual([]);
    sim.setCover('closed');
    await until(() => service.health.problem === null);
    await service.print(RECEIPT);
    expect(sim.receipts().map((r) => r.complete)).toEqual([true]);
    expect(statuses.map((s) => s.problem)).toEqual([null, 'COVER_OPEN', null]);
  });

  it('reports a job cut short by an unplug as failed, reconnects within 2 s of the replug, and prints again', async () => {
    const { pair, sim, transport, service } = await rig({ lineMs: 40 });
    let receiving = false;
    const watch = (bytes: number) => {
      if (bytes > 100) receiving = true; // the receipt itself, not a 12-byte status query
    };
    sim.on('data', watch);
    const job = failure(service.print(RECEIPT));
    await until(() => receiving);
    sim.off('data', watch);
    await new Promise((r) => setTimeout(r, 150)); // a few lines printed (40 ms each), most still to come
    await pair.unplug();
    expect(['OFFLINE', 'TIMEOUT']).toContain((await job).code);
    await until(() => transport.state !== 'connected');
    await new Promise((r) => setTimeout(r, 1600)); // long enough for the backoff to reach its 1 s cap

    await pair.plug();
    const pluggedAt = performance.now();
    await until(() => transport.state === 'connected', 3000);
    const reconnectMs = performance.now() - pluggedAt;
    expect(reconnectMs).toBeLessThan(2000);

    // The virtual printer had printed part of it when the line went: kept, marked incomplete, never cut.
    expect(sim.receipts().map((r) => [r.complete, r.reason])).toEqual([[false, 'unplugged']]);
    expect(service.paperUsage().receipts).toBe(0);

    await until(
      () => sim.state().connected && service.health.connection === 'connected' && service.health.problem === null,
    );
    await service.print(RECEIPT);
    expect(sim.receipts().filter((r) => r.complete)).toHaveLength(1);
  });

  it('answers TIMEOUT when the printer never answers, keeps running, and recovers when it does', async () => {
    const { sim, service } = await rig();
    sim.setOnline(false);
    expect((await failure(service.print(RECEIPT))).code).toBe('TIMEOUT');
    expect((await failure(service.checkStatus())).code).toBe('TIMEOUT');
    expect(service.health).toMatchObject({ connection: 'not-answering', problem: 'OFFLINE' });
    expect(sim.receipts()).toEqual([]);

    sim.setOnline(true);
    await until(() => service.health.connection === 'connected');
    await service.print(RECEIPT);
    expect(sim.receipts().map((r) => r.complete)).toEqual([true]);
  });

  it('numbers receipts on from those already in the directory', async () => {
    const r = await rig();
    const { dir, service } = r;
    await service.print(RECEIPT);
    await r.sim.close();
    const again = await startVirtualPrinter({ devicePath: r.pair.devicePath, outDir: join(dir, 'receipts') });
    r.sim = again;
    await until(() => service.health.connection === 'connected' && service.health.problem === null);
    await service.print(RECEIPT);
    expect(again.receipts().map((r) => r.id)).toEqual(['0002']);
    expect(existsSync(join(dir, 'receipts', '0001.bin'))).toBe(true);
  });
});
