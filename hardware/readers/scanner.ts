/**
 * Barcode scanner in serial mode: each scan is one line of text ended by CR,
 * LF or CR LF. The decoder cuts lines (at most `maxLineLength` bytes; an
 * unterminated line is given up after `interByteTimeoutMs` of silence) and
 * `classifyScan` tells what a line is:
 *
 * - `codiceFiscale`: the Code 39 barcode on the back of the Tessera Sanitaria
 *   (16 characters; check character verified, omocodia included);
 * - `receiptQr`: the kiosk's own receipt QR (format in ./receipt-qr.ts);
 * - `pagopa`: a pagoPA notice QR (format in ./pagopa.ts);
 * - `technicianCard`: a technician card issued by the hub (./technician-card.ts),
 *   which the runtime verifies and never hands to the resident flows;
 * - `unknown`: any other well-formed text.
 *
 * Text shaped like one of the first three but failing its checks is
 * `unreadable` (a misread or a damaged label), not `unknown`.
 */
import { CODICE_FISCALE_SHAPE, checkCodiceFiscale } from './codice-fiscale';
import type { CodiceFiscaleReason } from './codice-fiscale';
import { isPagopaText, parsePagopaQr } from './pagopa';
import { isReceiptQrText, parseReceiptQr } from './receipt-qr';
import { isTechnicianCardText, parseTechnicianCard } from './technician-card';
import { CR, LF } from './types';
import type { DecoderOutput, FrameDecoder, Parsed } from './types';

export type ScannerFrameReason = 'oversized' | 'truncated' | 'garbled';

export type ScannerDecoderOptions = {
  /** Longest line accepted, in bytes; longer lines are reported once and skipped to their end. Default 512. */
  maxLineLength?: number;
  /** Silence that ends an unterminated line. Default 100 ms. */
  interByteTimeoutMs?: number;
  /** For scanners configured without a suffix: a line ended by silence is a scan, not `truncated`. Default false. */
  acceptUnterminated?: boolean;
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

class ScannerDecoder implements FrameDecoder<string, ScannerFrameReason> {
  readonly maxBuffered: number;
  private readonly timeoutMs: number;
  private readonly acceptUnterminated: boolean;
  private readonly line: Uint8Array;
  private length = 0;
  private skipping = false; // inside an oversized line, already reported
  private control = false;
  private high = false;
  private lastByteAt = 0;

  constructor(options: ScannerDecoderOptions) {
    this.maxBuffered = options.maxLineLength ?? 512;
    this.timeoutMs = options.interByteTimeoutMs ?? 100;
    this.acceptUnterminated = options.acceptUnterminated ?? false;
    this.line = new Uint8Array(this.maxBuffered);
  }

  get buffered(): number {
    return this.length;
  }

  deadline(): number | null {
    return this.length > 0 || this.skipping ? this.lastByteAt + this.timeoutMs : null;
  }

  feed(chunk: Uint8Array, now: number): DecoderOutput<string, ScannerFrameReason>[] {
    const out = this.tick(now);
    if (chunk.length === 0) return out;
    this.lastByteAt = now;
    const line = this.line;
    const max = this.maxBuffered;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === CR || b === LF) {
        if (this.skipping) this.skipping = false;
        else if (this.length > 0) out.push(this.take());
        continue;
      }
      if (this.skipping) continue;
      if (this.length === max) {
        this.reset();
        this.skipping = true;
        out.push({ kind: 'unreadable', reason: 'oversized', detail: `longer than ${max} bytes` });
        continue;
      }
      if (b < 0x20 || b === 0x7f) this.control = true;
      else if (b >= 0x80) this.high = true;
      line[this.length++] = b;
    }
    return out;
  }

  tick(now: number): DecoderOutput<string, ScannerFrameReason>[] {
    const deadline = this.deadline();
    if (deadline === null || now < deadline) return [];
    return this.flushWith(this.acceptUnterminated);
  }

  flush(): DecoderOutput<string, ScannerFrameReason>[] {
    return this.flushWith(false);
  }

  private flushWith(accept: boolean): DecoderOutput<string, ScannerFrameReason>[] {
    if (this.skipping) {
      this.skipping = false;
      return [];
    }
    if (this.length === 0) return [];
    if (accept) return [this.take()];
    const detail = `${this.length} bytes without a line end`;
    this.reset();
    return [{ kind: 'unreadable', reason: 'truncated', detail }];
  }

  private take(): DecoderOutput<string, ScannerFrameReason> {
    const bytes = this.line.subarray(0, this.length);
    const { control, high } = this;
    let out: DecoderOutput<string, ScannerFrameReason>;
    if (control) {
      out = { kind: 'unreadable', reason: 'garbled', detail: 'control byte in line' };
    } else if (!high) {
      out = { kind: 'frame', frame: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1') };
    } else {
      try {
        out = { kind: 'frame', frame: utf8.decode(bytes) };
      } catch {
        out = { kind: 'unreadable', reason: 'garbled', detail: 'not UTF-8' };
      }
    }
    this.reset();
    return out;
  }

  private reset(): void {
    this.length = 0;
    this.control = false;
    this.high = false;
  }
}

/** A decoder of CR/LF-terminated scanner lines. */
export function createScannerDecoder(options: ScannerDecoderOptions = {}): FrameDecoder<string, ScannerFrameReason> {
  return new ScannerDecoder(options);
}

export type ScanRead =
  | { kind: 'codiceFiscale'; codiceFiscale: string }
  | { kind: 'receiptQr'; requestCode: string; pickupSecret: string | null }
  | { kind: 'pagopa'; noticeNumber: string; creditorFiscalCode: string; amountCents: number }
  /** A credential: route it to the runtime's card check only; never log, show or store it. */
  | { kind: 'technicianCard'; token: string }
  | { kind: 'unknown'; text: string };

export type ScanReason = CodiceFiscaleReason | 'receipt-invalid' | 'pagopa-invalid' | 'card-invalid';

/** Code 39 scanners may be set to transmit the `*` start/stop characters. */
function withoutCode39Stars(text: string): string {
  return text.length > 2 && text.startsWith('*') && text.endsWith('*') ? text.slice(1, -1) : text;
}

/** Tells what a scanned line is; see the module comment for the kinds. */
export function classifyScan(line: string): Parsed<ScanRead, ScanReason> {
  const text = line.trim();
  if (isReceiptQrText(text)) {
    const receipt = parseReceiptQr(text);
    if (!receipt.ok) return receipt;
    const { requestCode, pickupSecret } = receipt.value;
    return { ok: true, value: { kind: 'receiptQr', requestCode, pickupSecret } };
  }
  if (isTechnicianCardText(text)) {
    const card = parseTechnicianCard(text);
    return card.ok ? { ok: true, value: { kind: 'technicianCard', token: card.value.token } } : card;
  }
  if (isPagopaText(text)) {
    const notice = parsePagopaQr(text);
    return notice.ok ? { ok: true, value: { kind: 'pagopa', ...notice.value } } : notice;
  }
  const code39 = withoutCode39Stars(text).toUpperCase();
  if (code39.length === 16 && CODICE_FISCALE_SHAPE.test(code39)) {
    const cf = checkCodiceFiscale(code39);
    return cf.ok
      ? { ok: true, value: { kind: 'codiceFiscale', codiceFiscale: cf.codiceFiscale } }
      : { ok: false, reason: cf.reason };
  }
  return { ok: true, value: { kind: 'unknown', text } };
}
