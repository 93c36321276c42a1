/**
 * The mechanism of the virtual printer: interpreter events in, printed receipts
 * out, status answers from its simulated state (paper, cover, online, error).
 * Pure and synchronous; hardware/sim/printer.ts puts it on a serial line.
 *
 * When it cannot print (paper out, cover open, an error, offline) it drops what
 * it receives: a receipt cut short ends there, marked incomplete. A real printer
 * would keep the rest in its buffer and resume when the paper is replaced; the
 * kiosk reports such a job as failed either way.
 */
import type { LogoBitmap } from '../printer/logo';
import type { PrinterStatus } from '../printer/status';
import { paperStatusAnswer, statusAnswer } from '../printer/status';
import type { Align, EscPosEvent } from './printer-interpreter';

export type PaperState = 'ok' | 'near-end' | 'out';
export type CoverState = 'open' | 'closed';
export type ErrorState = 'none' | 'cutter' | 'unrecoverable';

export type TextStyle = { align: Align; bold: boolean; underline: boolean; width: number; height: number };

export type PrintedElement =
  | ({ kind: 'text'; text: string } & TextStyle)
  | { kind: 'qr'; payload: string | null; align: Align }
  | { kind: 'logo'; key: string; logo: LogoBitmap | null; align: Align };

export type FinishedReceipt = {
  elements: PrintedElement[];
  raw: Uint8Array;
  /** Ended by a cut; false when printing stopped half way. */
  complete: boolean;
  /** Why an incomplete receipt stopped ("paper out", "cover open", "unplugged" …). */
  reason: string | null;
};

/** Bounds that keep a receipt that never gets cut from eating memory. */
export const MAX_ELEMENTS = 5_000;
export const MAX_RAW_BYTES = 1_000_000;
const MAX_PENDING_RAW = 65_536;

const DEFAULT_STYLE: TextStyle = { align: 'left', bold: false, underline: false, width: 1, height: 1 };

export type PrinterEngineOptions = { widthChars?: number; onReceipt: (receipt: FinishedReceipt) => void };

export class PrinterEngine {
  paper: PaperState = 'ok';
  cover: CoverState = 'closed';
  online = true;
  error: ErrorState = 'none';

  private readonly widthChars: number;
  private readonly onReceipt: (receipt: FinishedReceipt) => void;
  private paperLeftLines: number | null = null;
  private style: TextStyle = { ...DEFAULT_STYLE };
  private line = '';
  private lineStyle: TextStyle = { ...DEFAULT_STYLE };
  private started = false;
  private elements: PrintedElement[] = [];
  private raw: Uint8Array[] = [];
  private rawBytes = 0;
  private pendingRaw: Uint8Array[] = [];
  private pendingRawBytes = 0;
  private qrData: string | null = null;
  private readonly logos = new Map<string, LogoBitmap | null>();

  constructor(options: PrinterEngineOptions) {
    this.widthChars = options.widthChars ?? 48;
    this.onReceipt = options.onReceipt;
  }

  /** Whether the mechanism is stopped: nothing it receives gets printed. */
  get stopped(): boolean {
    return this.paper === 'out' || this.cover === 'open' || this.error !== 'none' || !this.online;
  }

  /** The status the printer reports about itself. */
  status(): PrinterStatus {
    return {
      online: !this.stopped,
      coverOpen: this.cover === 'open',
      paperNearEnd: this.paper !== 'ok',
      paperOut: this.paper === 'out',
      cutterError: this.error === 'cutter',
      unrecoverableError: this.error === 'unrecoverable',
    };
  }

  /** The answer to a real-time `DLE EOT n`, or null: an offline printer answers nothing. */
  realtimeAnswer(n: number): number | null {
    if (!this.online || n < 1 || n > 4) return null;
    return statusAnswer(n as 1 | 2 | 3 | 4, this.status());
  }

  /** Paper state; `afterLines` lets the roll run out after that many more printed lines. */
  setPaper(paper: PaperState, afterLines?: number): void {
    if (afterLines !== undefined && paper === 'out') {
      this.paperLeftLines = Math.max(0, Math.floor(afterLines));
      if (this.paperLeftLines > 0) return;
    }
    this.paperLeftLines = null;
    this.paper = paper;
    if (this.stopped) this.interrupt('paper out');
  }

  setCover(cover: CoverState): void {
    this.cover = cover;
    if (this.stopped) this.interrupt('cover open');
  }

  setOnline(online: boolean): void {
    this.online = online;
    if (this.stopped) this.interrupt('offline');
  }

  setError(error: ErrorState): void {
    this.error = error;
    if (this.stopped) this.interrupt(`${error} error`);
  }

  /** Ends the receipt in progress, incomplete (the printer stopped, lost power, was unplugged). */
  interrupt(reason: string): void {
    if (this.started) this.finish(false, reason);
    this.line = '';
    this.style = { ...DEFAULT_STYLE };
  }

  /** Applies one event in print order; returns the byte to answer, if any (`GS r 1`). */
  apply(event: EscPosEvent): number | null {
    if (event.type === 'realtime-status') return this.realtimeAnswer(event.n);
    // In order: answered only by a printer that got this far, i.e. is still printing.
    if (event.type === 'paper-status') return this.stopped ? null : paperStatusAnswer(this.status());
    if (this.stopped) return null;
    switch (event.type) {
      case 'logo-store':
        this.logos.set(event.key, event.logo);
        return null;
      case 'init':
        this.style = { ...DEFAULT_STYLE };
        this.qrData = null;
        if (!this.started) {
          this.pendingRaw = [];
          this.pendingRawBytes = 0;
        }
        this.keep(event.raw);
        return null;
      case 'codepage':
      case 'ignored':
      case 'dropped':
        this.keep(event.raw);
        return null;
      case 'bold':
        this.style.bold = event.on;
        break;
      case 'underline':
        this.style.underline = event.on;
        break;
      case 'size':
        this.style.width = event.width;
        this.style.height = event.height;
        break;
      case 'mode':
        this.style = {
          ...this.style,
          bold: event.bold,
          underline: event.underline,
          width: event.width,
          height: event.height,
        };
        break;
      case 'align':
        this.style.align = event.align;
        break;
      case 'qr-store':
        this.qrData = event.data;
        break;
      case 'text':
        this.begin(event.raw);
        this.addText(event.text);
        return null;
      case 'lf':
        this.begin(event.raw);
        this.commitLine();
        return null;
      case 'feed':
        this.begin(event.raw);
        if (this.line.length > 0) this.commitLine();
        for (let k = 0; k < event.lines && !this.stopped; k += 1) this.commitLine();
        return null;
      case 'qr-print':
        this.begin(event.raw);
        this.flushLine();
        this.push({ kind: 'qr', payload: this.qrData, align: this.style.align });
        return null;
      case 'logo-print':
        this.begin(event.raw);
        this.flushLine();
        this.push({ kind: 'logo', key: event.key, logo: this.logos.get(event.key) ?? null, align: this.style.align });
        return null;
      case 'cut':
        if (!this.started) return null;
        this.flushLine();
        this.keep(event.raw);
        this.finish(true, null);
        return null;
      default:
        return unreachable(event);
    }
    this.keep(event.raw);
    return null;
  }

  private begin(raw: Uint8Array): void {
    if (!this.started) {
      this.started = true;
      this.raw = this.pendingRaw;
      this.rawBytes = this.pendingRawBytes;
      this.pendingRaw = [];
      this.pendingRawBytes = 0;
    }
    this.keep(raw);
  }

  private keep(raw: Uint8Array): void {
    if (this.started) {
      if (this.rawBytes + raw.length > MAX_RAW_BYTES) return;
      this.raw.push(raw);
      this.rawBytes += raw.length;
    } else {
      if (this.pendingRawBytes + raw.length > MAX_PENDING_RAW) {
        this.pendingRaw = [];
        this.pendingRawBytes = 0;
      }
      this.pendingRaw.push(raw);
      this.pendingRawBytes += raw.length;
    }
  }

  private addText(text: string): void {
    for (const char of text) {
      if (this.stopped) return;
      if (this.line.length === 0) this.lineStyle = { ...this.style };
      const capacity = Math.max(1, Math.floor(this.widthChars / this.lineStyle.width));
      if (this.line.length >= capacity) this.commitLine(); // the printer wraps a full line by itself
      if (this.stopped) return;
      if (this.line.length === 0) this.lineStyle = { ...this.style };
      this.line += char;
    }
  }

  private flushLine(): void {
    if (this.line.length > 0) this.commitLine();
  }

  private commitLine(): void {
    const style = this.line.length > 0 ? this.lineStyle : this.style;
    this.push({ kind: 'text', text: this.line, ...style });
    this.line = '';
  }

  private push(element: PrintedElement): void {
    if (this.elements.length < MAX_ELEMENTS) this.elements.push(element);
    if (this.paperLeftLines !== null) {
      this.paperLeftLines -= 1;
      if (this.paperLeftLines <= 0) {
        this.paperLeftLines = null;
        this.paper = 'out';
        this.interrupt('paper out');
      }
    }
  }

  private finish(complete: boolean, reason: string | null): void {
    const raw = new Uint8Array(this.rawBytes);
    let offset = 0;
    for (const part of this.raw) {
      raw.set(part, offset);
      offset += part.length;
    }
    const receipt: FinishedReceipt = { elements: this.elements, raw, complete, reason };
    this.started = false;
    this.elements = [];
    this.raw = [];
    this.rawBytes = 0;
    this.line = '';
    this.onReceipt(receipt);
  }
}

function unreachable(event: never): never {
  throw new Error(`unhandled event ${JSON.stringify(event)}`);
}
