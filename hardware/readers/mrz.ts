/**
 * MRZ reader (ICAO 9303): an OCR swipe reader sends the machine-readable zone
 * of a document as one burst of lines separated by CR/LF. Framing:
 *
 * - a line is MRZ text (A–Z, 0–9, `<`; spaces are ignored) of at most 64 bytes;
 * - the burst is complete as soon as the last lines form a document — three
 *   30-character lines starting A/C/I (TD1, the CIE), two 44-character lines
 *   starting P (TD3, passports) or two of 36 (TD2) — so a read does not wait for
 *   the timeout; other lines in the same burst (a reader's header or trailer,
 *   noise) are ignored;
 * - `interByteTimeoutMs` of silence ends the burst: the last unterminated line
 *   counts, and a burst that formed no document is `unreadable`.
 *
 * `parseMrz` checks every field and check digit with the `mrz` library and flags
 * an expired document against the injected clock (an expired document is still a
 * read: the flow decides what to do with it).
 */
import { parse } from 'mrz';
import type { ParseResult } from 'mrz';
import { CR, LF } from './types';
import type { DecoderOutput, FrameDecoder, Parsed } from './types';

export type MrzFormat = 'TD1' | 'TD2' | 'TD3';
export type MrzFrame = { format: MrzFormat; lines: string[] };
export type MrzFrameReason = 'oversized' | 'garbled' | 'truncated';

export type MrzDecoderOptions = {
  /** Silence that ends a burst. Default 50 ms. */
  interByteTimeoutMs?: number;
};

const MAX_LINE = 64;
const FILLER = 0x3c; // <

type Line = { text: string } | { bad: 'garbled' | 'oversized' };

function isMrzByte(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b === FILLER;
}

function textOf(line: Line | undefined): string | null {
  return line !== undefined && 'text' in line ? line.text : null;
}

/** A line that formed no document: too long, not MRZ text, or MRZ text left over. */
function faultOf(line: Line): MrzFrameReason {
  return 'bad' in line ? line.bad : 'truncated';
}

const SEVERITY: Record<MrzFrameReason, number> = { truncated: 0, garbled: 1, oversized: 2 };

function worse(a: MrzFrameReason, b: MrzFrameReason): MrzFrameReason {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

/** The format the last lines of the window complete, if any. */
function completes(window: readonly Line[]): { format: MrzFormat; count: number } | null {
  const n = window.length;
  const a = textOf(window[n - 3]);
  const b = textOf(window[n - 2]);
  const c = textOf(window[n - 1]);
  if (c === null || b === null) return null;
  if (a !== null && a.length === 30 && b.length === 30 && c.length === 30 && /^[ACI]/.test(a)) {
    return { format: 'TD1', count: 3 };
  }
  if (b.length === 44 && c.length === 44 && b.startsWith('P')) return { format: 'TD3', count: 2 };
  if (b.length === 36 && c.length === 36 && /^[ACIPV]/.test(b)) return { format: 'TD2', count: 2 };
  return null;
}

class MrzDecoder implements FrameDecoder<MrzFrame, MrzFrameReason> {
  readonly maxBuffered = MAX_LINE * 4;
  private readonly timeoutMs: number;
  private readonly line = new Uint8Array(MAX_LINE);
  private length = 0;
  private lineFault: 'garbled' | 'oversized' | null = null;
  private window: Line[] = []; // the last three lines of this burst not yet part of a frame
  private dropped: MrzFrameReason | null = null; // the worst line that fell out of the window unused
  private framed = false; // this burst already gave a frame
  private lastByteAt = 0;

  constructor(options: MrzDecoderOptions) {
    this.timeoutMs = options.interByteTimeoutMs ?? 50;
  }

  get buffered(): number {
    let n = this.length;
    for (const l of this.window) n += 'text' in l ? l.text.length : 0;
    return n;
  }

  deadline(): number | null {
    const busy =
      this.length > 0 || this.lineFault !== null || this.window.length > 0 || this.dropped !== null || this.framed;
    return busy ? this.lastByteAt + this.timeoutMs : null;
  }

  feed(chunk: Uint8Array, now: number): DecoderOutput<MrzFrame, MrzFrameReason>[] {
    const out = this.tick(now);
    if (chunk.length === 0) return out;
    this.lastByteAt = now;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === CR || b === LF) {
        this.endLine(out);
      } else if (b === 0x20 || b === 0x09) {
        continue;
      } else if (this.length === MAX_LINE) {
        this.lineFault = 'oversized';
      } else {
        if (!isMrzByte(b) && this.lineFault === null) this.lineFault = 'garbled';
        this.line[this.length++] = b;
      }
    }
    return out;
  }

  tick(now: number): DecoderOutput<MrzFrame, MrzFrameReason>[] {
    const deadline = this.deadline();
    if (deadline === null || now < deadline) return [];
    return this.flush();
  }

  flush(): DecoderOutput<MrzFrame, MrzFrameReason>[] {
    const out: DecoderOutput<MrzFrame, MrzFrameReason>[] = [];
    this.endLine(out);
    if (!this.framed && (this.window.length > 0 || this.dropped !== null)) {
      const reason = this.window.reduce<MrzFrameReason>((w, l) => worse(w, faultOf(l)), this.dropped ?? 'truncated');
      const lengths = this.window.map((l) => ('text' in l ? String(l.text.length) : l.bad)).join(',');
      out.push({ kind: 'unreadable', reason, detail: `no document in burst; last lines: ${lengths}` });
    }
    this.window = [];
    this.dropped = null;
    this.framed = false;
    return out;
  }

  private endLine(out: DecoderOutput<MrzFrame, MrzFrameReason>[]): void {
    if (this.length === 0 && this.lineFault === null) return;
    const line: Line =
      this.lineFault !== null
        ? { bad: this.lineFault }
        : { text: Buffer.from(this.line.buffer, 0, this.length).toString('latin1') };
    this.length = 0;
    this.lineFault = null;
    this.window.push(line);
    if (this.window.length > 3) this.dropped = worse(this.dropped ?? 'truncated', faultOf(this.window.shift() as Line));
    const done = completes(this.window);
    if (done === null) return;
    const lines = this.window.slice(-done.count).map((l) => textOf(l) as string);
    this.window = [];
    this.dropped = null;
    this.framed = true;
    out.push({ kind: 'frame', frame: { format: done.format, lines } });
  }
}

/** A decoder of MRZ bursts. */
export function createMrzDecoder(options: MrzDecoderOptions = {}): FrameDecoder<MrzFrame, MrzFrameReason> {
  return new MrzDecoder(options);
}

export type MrzDocumentKind = 'CIE' | 'idCard' | 'passport';

export type MrzRead = {
  kind: 'mrz';
  format: MrzFormat;
  documentKind: MrzDocumentKind;
  documentCode: string;
  issuingState: string;
  documentNumber: string;
  surname: string;
  givenNames: string;
  /** ISO date; `YYYY-MM` or `YYYY` when the MRZ leaves day or month unknown (`<<`). */
  birthDate: string;
  expiryDate: string;
  expired: boolean;
  nationality: string;
  sex: 'M' | 'F' | 'X';
  /** TD3 personal number, or TD1/TD2 optional data, when present. */
  personalNumber: string | null;
};

export type MrzReason = 'mrz-format' | 'mrz-check-digit' | 'mrz-field';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The calendar date of `ms` on this machine's clock, as YYYY-MM-DD. */
export function localIsoDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/** YYMMDD to an ISO date: a birth date is never in the future, an expiry date at most 50 years ahead. */
function isoDate(yymmdd: string, kind: 'birth' | 'expiry', thisYear: number): string {
  const yy = Number(yymmdd.slice(0, 2));
  let year = 2000 + yy;
  if (kind === 'birth' && year > thisYear) year -= 100;
  if (kind === 'expiry' && year > thisYear + 50) year -= 100;
  const month = yymmdd.slice(2, 4);
  const day = yymmdd.slice(4, 6);
  if (month === '<<') return String(year);
  if (day === '<<') return `${year}-${month}`;
  return `${year}-${month}-${day}`;
}

function sexOf(value: string | null | undefined): 'M' | 'F' | 'X' {
  return value === 'male' ? 'M' : value === 'female' ? 'F' : 'X';
}

/** Parses a framed MRZ with check digits; `now` (ms) decides `expired`. */
export function parseMrz(frame: MrzFrame, now: number): Parsed<MrzRead, MrzReason> {
  let result: ParseResult;
  try {
    result = parse(frame.lines, { autocorrect: false });
  } catch {
    return { ok: false, reason: 'mrz-format', detail: frame.format };
  }
  if (result.format !== frame.format) return { ok: false, reason: 'mrz-format', detail: result.format };
  if (!result.valid) {
    const invalid = result.details.filter((d) => !d.valid).map((d) => d.field ?? d.label);
    const checkDigit = invalid.some((f) => f.endsWith('CheckDigit'));
    return { ok: false, reason: checkDigit ? 'mrz-check-digit' : 'mrz-field', detail: invalid.join(',') };
  }
  const f = result.fields;
  const today = localIsoDate(now);
  const thisYear = Number(today.slice(0, 4));
  const expiryDate = isoDate(f.expirationDate ?? '', 'expiry', thisYear);
  const documentCode = f.documentCode ?? '';
  const issuingState = f.issuingState ?? '';
  const documentKind: MrzDocumentKind =
    frame.format === 'TD3' ? 'passport' : frame.format === 'TD1' && issuingState === 'ITA' ? 'CIE' : 'idCard';
  const optional = frame.format === 'TD3' ? f.personalNumber : frame.format === 'TD1' ? f.optional2 : f.optional;
  return {
    ok: true,
    value: {
      kind: 'mrz',
      format: frame.format,
      documentKind,
      documentCode,
      issuingState,
      documentNumber: result.documentNumber ?? f.documentNumber ?? '',
      surname: f.lastName ?? '',
      givenNames: f.firstName ?? '',
      birthDate: isoDate(f.birthDate ?? '', 'birth', thisYear),
      expiryDate,
      expired: expiryDate < today,
      nationality: f.nationality ?? '',
      sex: sexOf(f.sex),
      personalNumber: optional ? optional : null,
    },
  };
}
