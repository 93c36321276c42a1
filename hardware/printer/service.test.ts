import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeviceError } from '../errors';
import type { FinishedReceipt } from '../sim/printer-engine';
import { PrinterEngine } from '../sim/printer-engine';
import { EscPosInterpreter } from '../sim/printer-interpreter';
import { receiptText } from '../sim/printer-preview';
import type { Transport, TransportEvents, TransportState } from '../transport/types';
import type { Receipt } from './receipt';
import { layoutReceipt } from './receipt';
import type { Logger, PrinterHealth } from './service';
import { PrinterService } from './service';

/**
 * The virtual printer's interpreter and engine behind an in-memory Transport, so the
 * service's timeouts and polling run on fake timers. The same service over a real
 * socat PTY is tested in tests/integration/printer.test.ts.
 */
class LoopbackPrinter extends EventEmitter<TransportEvents> implements Transport {
  readonly path = 'loopback';
  state: TransportState = 'disconnected';
  readonly received: Buffer[] = [];
  readonly receipts: FinishedReceipt[] = [];
  readonly engine = new PrinterEngine({ onReceipt: (r) => this.receipts.push(r) });
  /** false: the printer never confirms a receipt (GS r 1 unanswered). */
  confirms = true;
  private readonly interpreter = new EscPosInterpreter();

  open(): void {
    if (this.state === 'connected') return;
    this.state = 'connected';
    queueMicrotask(() => this.emit('connected'));
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.state !== 'connected') return Promise.reject(new DeviceError('OFFLINE', 'not connected'));
    this.received.push(Buffer.from(bytes));
    const answers: number[] = [];
    for (const event of this.interpreter.feed(bytes)) {
      if (event.type === 'paper-status' && !this.confirms) continue;
      const answer = event.type === 'realtime-status' ? this.engine.realtimeAnswer(event.n) : this.engine.apply(event);
      if (answer !== null) answers.push(answer);
    }
    if (answers.length > 0) queueMicrotask(() => this.emit('data', Buffer.from(answers)));
    return Promise.resolve();
  }

  unplug(): void {
    this.state = 'disconnected';
    this.emit('disconnected', 'unplugged');
  }

  close(): Promise<void> {
    this.state = 'closed';
    return Promise.resolve();
  }

  /** Everything received, as one buffer. */
  all(): Buffer {
    return Buffer.concat(this.received);
  }
}

const RECEIPT: Receipt = {
  header: { comune: 'Comune di Castelnuovo Magra' },
  title: 'Ricevuta',
  lines: ['Richiedente: Mario Rossi', 'Importo: € 16,00'],
  rows: [{ label: 'Codice', value: 'K7-2Q9F' }],
  qr: 'https://sportello.example/r/K72Q9F',
  cut: true,
};

function rig(options: { logger?: Logger } = {}) {
  const printer = new LoopbackPrinter();
  const service = new PrinterService({
    transport: printer,
    pollIntervalMs: 1000,
    statusTimeoutMs: 200,
    busyPollMs: 100,
    printTimeoutMs: 3000,
    paper: { rollLengthMm: 10_000 },
    logger: options.logger,
  });
  const statuses: PrinterHealth[] = [];
  service.on('status', (h) => statuses.push(h));
  return { printer, service, statuses };
}

async function started(options: { logger?: Logger } = {}) {
  const r = rig(options);
  r.service.start();
  await vi.advanceTimersByTimeAsync(0);
  return r;
}

/** Settles `promise` while fake time runs, and returns its DeviceError. */
async function failure(promise: Promise<unknown>): Promise<DeviceError> {
  const settled = promise.then(
    () => {
      throw new Error('expected the job to fail');
    },
    (err: unknown) => err,
  );
  await vi.advanceTimersByTimeAsync(5000);
  const err = await settled;
  if (!(err instanceof DeviceError)) throw err;
  return err;
}

async function success<T>(promise: Promise<T>): Promise<T> {
  const result = promise.then((value) => ({ value }));
  await vi.advanceTimersByTimeAsync(5000);
  return (await result).value;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('PrinterService', () => {
  it('prints a receipt, and counts the paper it used', async () => {
    const { printer, service } = await started();
    const result = await success(service.print(RECEIPT));
    expect(printer.receipts).toHaveLength(1);
    expect(printer.receipts[0]!.complete).toBe(true);
    expect(receiptText(printer.receipts[0]!)).toContain('Importo: € 16,00');
    expect(result.mm).toBeGreaterThan(50);
    expect(service.paperUsage()).toMatchObject({ receipts: 1, usedMm: result.mm, remainingMm: 10_000 - result.mm });
    service.paperReplaced();
    expect(service.paperUsage()).toMatchObject({ receipts: 0, usedMm: 0, remainingMm: 10_000 });
    await service.stop();
  });

  it.each([
    ['PAPER_OUT', (p: PrinterEngine) => p.setPaper('out')],
    ['COVER_OPEN', (p: PrinterEngine) => p.setCover('open')],
    ['DEVICE_ERROR', (p: PrinterEngine) => p.setError('cutter')],
  ] as const)('refuses to print with %s and sends no receipt bytes', async (code, breakIt) => {
    const { printer, service } = await started();
    breakIt(printer.engine);
    expect((await failure(service.print(RECEIPT))).code).toBe(code);
    expect(printer.all().includes(Buffer.from([0x1b, 0x40]))).toBe(false); // no ESC @: no receipt was sent
    expect(service.paperUsage().receipts).toBe(0);
    expect(service.health.problem).toBe(code);
    await service.stop();
  });

  it('tells every change of the paper counter, so it can be kept across restarts, and starts from a saved one', async () => {
    const { service } = await started();
    const changes: Array<[number, boolean]> = [];
    service.on('paper', (usage, replaced) => changes.push([usage.receipts, replaced]));
    const result = await success(service.print(RECEIPT));
    service.paperReplaced();
    expect(changes).toEqual([
      [1, false],
      [0, true],
    ]);
    await service.stop();

    const resumed = new PrinterService({
      transport: new LoopbackPrinter(),
      paper: { rollLengthMm: 10_000, usedMm: result.mm, receipts: 1 },
    });
    expect(resumed.paperUsage()).toMatchObject({ receipts: 1, remainingMm: 10_000 - result.mm });
    // The layout a preview is drawn from is the one the bytes are encoded from.
    expect(resumed.layout(RECEIPT).map((p) => p.block)).toEqual(layoutReceipt(RECEIPT, resumed.columns));
  });

  it('fails the job with PAPER_OUT when the roll runs out in the middle of the receipt', async () => {
    const { printer, service } = await started();
    printer.engine.setPaper('out', 4);
    expect((await failure(service.print(RECEIPT))).code).toBe('PAPER_OUT');
    expect(printer.receipts.map((r) => r.complete)).toEqual([false]);
    expect(service.paperUsage().receipts).toBe(0);
    await service.stop();
  });

  it('prints on a roll that is nearly finished, and says so', async () => {
    const { printer, service } = await started();
    printer.engine.setPaper('near-end');
    await success(service.print(RECEIPT));
    expect(service.health).toMatchObject({ problem: null, paperNearEnd: true });
    await service.stop();
  });

  it('fails with TIMEOUT, never printed, when the printer does not confirm the receipt', async () => {
    const { printer, service } = await started();
    printer.confirms = false;
    const started_ = Date.now();
    expect((await failure(service.print(RECEIPT))).code).toBe('TIMEOUT');
    expect(Date.now() - started_).toBeGreaterThanOrEqual(3000);
    expect(service.paperUsage().receipts).toBe(0);
    await service.stop();
  });

  it('answers TIMEOUT when the printer ignores status queries, and reports it as not answering', async () => {
    const { printer, service } = await started();
    printer.engine.setOnline(false);
    expect((await failure(service.print(RECEIPT))).code).toBe('TIMEOUT');
    expect(service.health).toMatchObject({ connection: 'not-answering', problem: 'OFFLINE' });
    printer.engine.setOnline(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(service.health).toMatchObject({ connection: 'connected', problem: null });
    await service.stop();
  });

  it('refuses with OFFLINE at once when the line is down', async () => {
    const { printer, service } = await started();
    printer.unplug();
    expect((await failure(service.print(RECEIPT))).code).toBe('OFFLINE');
    expect(service.health.connection).toBe('disconnected');
    await service.stop();
  });

  it('fails the job in flight with OFFLINE when the line is lost while it prints', async () => {
    const { printer, service } = await started();
    printer.confirms = false;
    const job = service.print(RECEIPT);
    await vi.advanceTimersByTimeAsync(50);
    printer.unplug();
    expect((await failure(job)).code).toBe('OFFLINE');
    await service.stop();
  });

  it('emits the status only when it changes', async () => {
    const { printer, service, statuses } = await started();
    await vi.advanceTimersByTimeAsync(10_000); // ten polls of the same state
    expect(statuses.map((s) => s.problem)).toEqual([null]);
    printer.engine.setPaper('near-end');
    await vi.advanceTimersByTimeAsync(10_000);
    printer.engine.setPaper('out');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(statuses.map((s) => [s.problem, s.paperNearEnd])).toEqual([
      [null, false],
      [null, true],
      ['PAPER_OUT', true],
    ]);
    await service.stop();
  });

  it('runs one command at a time: a second receipt starts after the first is confirmed', async () => {
    const { printer, service } = await started();
    const jobs = Promise.all([
      service.print(RECEIPT),
      service.checkStatus(),
      service.print({ ...RECEIPT, title: 'Seconda' }),
    ]);
    await success(jobs);
    const all = printer.all();
    const barrier = all.indexOf(Buffer.from([0x1d, 0x72, 0x01])); // GS r 1 ending the first receipt
    const second = all.indexOf(Buffer.from('Seconda'));
    expect(barrier).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(barrier);
    expect(printer.receipts.map((r) => r.complete)).toEqual([true, true]);
    await service.stop();
  });

  it('logs status changes only, with ids and codes, never what a receipt says', async () => {
    const calls: [string, object, string | undefined][] = [];
    const logger: Logger = {
      info: (obj, msg) => calls.push(['info', obj, msg]),
      warn: (obj, msg) => calls.push(['warn', obj, msg]),
      error: (obj, msg) => calls.push(['error', obj, msg]),
    };
    const { printer, service } = await started({ logger });
    await success(service.print(RECEIPT));
    printer.engine.setCover('open');
    await failure(service.print(RECEIPT));
    const logged = JSON.stringify(calls);
    expect(logged).not.toContain('Mario Rossi');
    expect(logged).not.toContain('K7-2Q9F');
    expect(
      calls.map(([level, obj]) => [level, (obj as { event: string }).event, (obj as { problem: string }).problem]),
    ).toEqual([
      ['info', 'printer.status', null],
      ['warn', 'printer.status', 'COVER_OPEN'],
    ]);
    await service.stop();
  });

  it('stores the logo once, and prints it by reference', async () => {
    const { printer, service } = await started();
    await success(service.storeLogo({ width: 8, height: 1, data: Uint8Array.of(0xff) }));
    await success(service.print({ ...RECEIPT, header: { comune: 'Comune', logo: true } }));
    await success(service.print({ ...RECEIPT, header: { comune: 'Comune', logo: true } }));
    const stores = printer.received.filter((b) => b[0] === 0x1d && b[1] === 0x28 && b[2] === 0x4c && b[6] === 0x43);
    expect(stores).toHaveLength(1);
    expect(printer.receipts.map((r) => receiptText(r).split('\n')[0])).toEqual(['[LOGO]', '[LOGO]']);
    await service.stop();
  });
});
