/**
 * A virtual ESC/POS receipt printer on the device end of a PTY pair: the kiosk
 * opens the other end exactly as it opens a real printer. It interprets what it
 * receives, answers status queries from its simulated state, and writes each
 * receipt under `outDir` as NNNN.bin (raw bytes), NNNN.txt and NNNN.svg.
 *
 * Real-time queries (`DLE EOT n`) are answered the moment they are parsed; the
 * rest goes through a print queue that can be slowed down (`lineMs`) so that a
 * receipt takes time to print, as on paper. Unplugging loses the job in progress
 * (the receipt so far is kept, marked incomplete), like a printer losing power.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SerialTransport } from '../transport/serial';
import type { CoverState, ErrorState, FinishedReceipt, PaperState } from './printer-engine';
import { PrinterEngine } from './printer-engine';
import type { EscPosEvent } from './printer-interpreter';
import { EscPosInterpreter } from './printer-interpreter';
import { receiptSvg, receiptText } from './printer-preview';

export type VirtualPrinterOptions = {
  devicePath: string;
  outDir: string;
  widthChars?: number;
  /** Simulated printing time per printed line (default 0: instant). */
  lineMs?: number;
  baudRate?: number;
  /** How long startVirtualPrinter waits for the device end to open (default 3 s); it keeps trying after. */
  readyTimeoutMs?: number;
};

export type VirtualReceipt = {
  /** "0001", "0002", … as in the file names. */
  id: string;
  complete: boolean;
  reason: string | null;
  text: string;
  qr: string[];
  bytes: number;
  files: { bin: string; txt: string; svg: string };
  /** performance.now() when the receipt ended (cut or interruption). */
  at: number;
};

export type VirtualPrinterState = {
  paper: PaperState;
  cover: CoverState;
  online: boolean;
  error: ErrorState;
  connected: boolean;
};

type VirtualPrinterEvents = { receipt: [receipt: VirtualReceipt]; data: [bytes: number, at: number] };

/** Queued print events beyond this are dropped (a printer's receive buffer is finite too). */
const MAX_QUEUED_EVENTS = 100_000;

export class VirtualPrinter extends EventEmitter<VirtualPrinterEvents> {
  readonly outDir: string;
  private readonly transport: SerialTransport;
  private readonly interpreter = new EscPosInterpreter();
  private readonly engine: PrinterEngine;
  private readonly widthChars: number;
  private readonly lineMs: number;
  private readonly list: VirtualReceipt[] = [];
  private next: number;
  private queue: EscPosEvent[] = [];
  private pumping = false;
  private generation = 0;
  private lastByteAt = 0;

  constructor(options: VirtualPrinterOptions) {
    super();
    this.outDir = options.outDir;
    this.widthChars = options.widthChars ?? 48;
    this.lineMs = options.lineMs ?? 0;
    mkdirSync(this.outDir, { recursive: true });
    this.next = nextIndex(this.outDir);
    this.engine = new PrinterEngine({ widthChars: this.widthChars, onReceipt: (r) => this.save(r) });
    this.transport = new SerialTransport({
      path: options.devicePath,
      baudRate: options.baudRate ?? 115200,
      device: 'virtual-printer',
      presenceCheckMs: 100,
    });
    this.transport.on('data', (chunk) => this.receive(chunk));
    this.transport.on('disconnected', () => this.unplugged());
    this.transport.on('error', () => undefined);
  }

  /** Opens the device end; resolves once open, or after `timeoutMs` (it keeps trying). */
  start(timeoutMs = 3000): Promise<void> {
    this.transport.open();
    if (this.transport.state === 'connected') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const self = this.transport;
      function done() {
        clearTimeout(timer);
        self.off('connected', done);
        resolve();
      }
      self.on('connected', done);
    });
  }

  /** Loads paper ('ok'), signals a nearly finished roll, or runs out, now or after `afterLines` more printed lines. */
  setPaper(paper: PaperState, options: { afterLines?: number } = {}): void {
    this.engine.setPaper(paper, options.afterLines);
    if (this.engine.stopped) this.dropQueue();
  }

  setCover(cover: CoverState): void {
    this.engine.setCover(cover);
    if (this.engine.stopped) this.dropQueue();
  }

  /** Offline: the printer answers nothing and prints nothing. */
  setOnline(online: boolean): void {
    this.engine.setOnline(online);
    if (this.engine.stopped) this.dropQueue();
  }

  setError(error: ErrorState): void {
    this.engine.setError(error);
    if (this.engine.stopped) this.dropQueue();
  }

  state(): VirtualPrinterState {
    const { paper, cover, online, error } = this.engine;
    return { paper, cover, online, error, connected: this.transport.state === 'connected' };
  }

  /** Receipts written so far by this instance, oldest first. */
  receipts(): VirtualReceipt[] {
    return [...this.list];
  }

  /** performance.now() of the last chunk received. */
  lastReceivedAt(): number {
    return this.lastByteAt;
  }

  async close(): Promise<void> {
    this.generation += 1;
    this.queue = [];
    await this.transport.close();
    this.removeAllListeners();
  }

  private receive(chunk: Buffer): void {
    this.lastByteAt = performance.now();
    this.emit('data', chunk.length, this.lastByteAt);
    for (const event of this.interpreter.feed(chunk)) {
      if (event.type === 'realtime-status') {
        this.answer(this.engine.realtimeAnswer(event.n));
      } else if (this.lineMs <= 0 && this.queue.length === 0) {
        this.answer(this.engine.apply(event));
      } else if (this.queue.length < MAX_QUEUED_EVENTS) {
        this.queue.push(event);
      }
    }
    if (this.queue.length > 0) void this.pump();
  }

  /** Applies queued events, taking `lineMs` per printed line. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const generation = this.generation;
    try {
      while (this.queue.length > 0 && generation === this.generation) {
        const event = this.queue.shift() as EscPosEvent;
        this.answer(this.engine.apply(event));
        const printsALine = event.type === 'lf' || event.type === 'qr-print' || event.type === 'logo-print';
        const lines = event.type === 'feed' ? event.lines : printsALine ? 1 : 0;
        if (lines > 0 && this.lineMs > 0 && !this.engine.stopped) {
          await new Promise((r) => setTimeout(r, lines * this.lineMs));
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private answer(byte: number | null): void {
    if (byte === null || this.transport.state !== 'connected') return;
    this.transport.write(Uint8Array.of(byte)).catch(() => undefined);
  }

  private dropQueue(): void {
    this.queue = [];
    this.generation += 1;
  }

  private unplugged(): void {
    this.dropQueue();
    this.interpreter.reset();
    this.engine.interrupt('unplugged');
  }

  private save(receipt: FinishedReceipt): void {
    const at = performance.now();
    const id = String(this.next).padStart(4, '0');
    this.next += 1;
    const files = {
      bin: join(this.outDir, `${id}.bin`),
      txt: join(this.outDir, `${id}.txt`),
      svg: join(this.outDir, `${id}.svg`),
    };
    const text = receiptText(receipt);
    writeFileSync(files.bin, receipt.raw);
    writeFileSync(files.txt, text);
    writeFileSync(files.svg, receiptSvg(receipt, this.widthChars));
    const qr = receipt.elements.flatMap((e) => (e.kind === 'qr' && e.payload !== null ? [e.payload] : []));
    const entry: VirtualReceipt = {
      id,
      complete: receipt.complete,
      reason: receipt.reason,
      text,
      qr,
      bytes: receipt.raw.length,
      files,
      at,
    };
    this.list.push(entry);
    this.emit('receipt', entry);
  }
}

function nextIndex(dir: string): number {
  let max = 0;
  for (const name of readdirSync(dir)) {
    const m = /^(\d{4,})\.bin$/.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}

/** Starts a virtual printer on `devicePath`, writing receipts to `outDir`. */
export async function startVirtualPrinter(options: VirtualPrinterOptions): Promise<VirtualPrinter> {
  const printer = new VirtualPrinter(options);
  await printer.start(options.readyTimeoutMs);
  return printer;
}
