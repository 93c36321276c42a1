/**
 * An incremental ESC/POS interpreter: bytes in (in chunks of any size, cut
 * anywhere), events out. It knows the length of every common command, so a
 * command it does not act on is skipped whole rather than printed as text. Pure,
 * never throws on input, and never holds more than MAX_COMMAND_BYTES: a longer
 * command (an oversized image, say) is skipped without being kept.
 */
import type { LogoBitmap } from '../printer/logo';
import { logoFromColumns, logoRowBytes } from '../printer/logo';
import { decodePc858Byte } from '../printer/pc858';

export type Align = 'left' | 'center' | 'right';

export type EscPosEvent = (
  | { type: 'text'; text: string }
  | { type: 'lf' }
  | { type: 'feed'; lines: number }
  | { type: 'init' }
  | { type: 'codepage'; page: number }
  | { type: 'bold'; on: boolean }
  | { type: 'underline'; on: boolean }
  | { type: 'size'; width: number; height: number }
  | { type: 'mode'; bold: boolean; underline: boolean; width: number; height: number }
  | { type: 'align'; align: Align }
  | { type: 'qr-store'; data: string }
  | { type: 'qr-print' }
  | { type: 'logo-store'; key: string; logo: LogoBitmap | null }
  | { type: 'logo-print'; key: string }
  | { type: 'cut'; partial: boolean }
  | { type: 'realtime-status'; n: number }
  | { type: 'paper-status' }
  | { type: 'ignored'; command: string }
  | { type: 'dropped'; command: string; bytes: number }
) & { raw: Uint8Array };

type WithoutRaw<T> = T extends unknown ? Omit<T, 'raw'> : never;
type Body = WithoutRaw<EscPosEvent>;

/** The longest command kept whole: a full `GS ( k` / `GS ( L` (65535 parameter bytes + header). */
export const MAX_COMMAND_BYTES = 65_545;

/** PC858 as selected by `ESC t 19`. */
export const CODE_PAGE_PC858 = 19;

type Parsed = { total: number; build: (cmd: Uint8Array) => Body };

const ignored = (command: string) => () => ({ type: 'ignored', command }) as const;
const fixed = (total: number, command: string): Parsed => ({ total, build: ignored(command) });
const at = (bytes: Uint8Array, i: number): number => bytes[i] ?? 0;

function alignOf(n: number): Align {
  if (n === 1 || n === 49) return 'center';
  if (n === 2 || n === 50) return 'right';
  return 'left';
}

function decodeAscii(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** `GS ( L` and `GS 8 L` bodies, whose parameters start at `p` (just after the length bytes). */
function graphics(cmd: Uint8Array, p: number): Body {
  const fn = at(cmd, p + 1);
  if (fn === 0x43 || fn === 0x44) {
    // fn 67/68: define NV graphics data (raster / column); we render the raster form
    const key = decodeAscii(cmd.subarray(p + 3, p + 5));
    const width = at(cmd, p + 6) | (at(cmd, p + 7) << 8);
    const height = at(cmd, p + 8) | (at(cmd, p + 9) << 8);
    const data = cmd.slice(p + 11);
    const ok = fn === 0x43 && width > 0 && height > 0 && data.length === logoRowBytes(width) * height;
    return { type: 'logo-store', key, logo: ok ? { width, height, data } : null };
  }
  if (fn === 0x45) return { type: 'logo-print', key: decodeAscii(cmd.subarray(p + 2, p + 4)) }; // fn 69: print NV graphics
  return { type: 'ignored', command: `GS ( L fn ${fn}` };
}

/** The length of `FS q n [xL xH yL yH d…]…` once every header is in `data`, else null. */
function nvBitImageLength(data: Uint8Array, i: number): number | null {
  if (data.length - i < 3) return null;
  const images = at(data, i + 2);
  let p = i + 3;
  for (let k = 0; k < images; k += 1) {
    if (data.length - p < 4) return null;
    const x = at(data, p) | (at(data, p + 1) << 8);
    const y = at(data, p + 2) | (at(data, p + 3) << 8);
    p += 4 + x * y * 8;
    if (p - i > MAX_COMMAND_BYTES) return p - i; // too long to keep: its length is enough to skip it
  }
  return p - i;
}

function nvBitImages(cmd: Uint8Array): Body {
  // FS q n: defines images 1..n; the preview keeps image 1
  const x = at(cmd, 3) | (at(cmd, 4) << 8);
  const y = at(cmd, 5) | (at(cmd, 6) << 8);
  const columns = cmd.slice(7, 7 + x * y * 8);
  const ok = at(cmd, 2) >= 1 && x > 0 && y > 0 && columns.length === x * y * 8;
  return { type: 'logo-store', key: '#1', logo: ok ? logoFromColumns(x, y, columns) : null };
}

/** Bytes up to and including the first NUL at or after `from`, or `max` bytes, or null if neither is in `data` yet. */
function untilNul(data: Uint8Array, i: number, from: number, max: number): number | null {
  for (let p = i + from; p < data.length && p - i < max; p += 1) if (data[p] === 0) return p - i + 1;
  return data.length - i >= max ? max : null;
}

/** User-defined characters `ESC & y c1 c2 [x d1…d(y×x)]…`: its length once all of it is in `data`. */
function userCharsLength(data: Uint8Array, i: number): number | null {
  if (data.length - i < 5) return null;
  const y = at(data, i + 2);
  const count = Math.max(0, at(data, i + 4) - at(data, i + 3) + 1);
  let p = i + 5;
  for (let k = 0; k < count; k += 1) {
    if (p >= data.length) return null;
    p += 1 + y * at(data, p);
  }
  return p - i;
}

/** Recognises the command at data[i] (a control byte): its total length and how to read it, or null for "need more bytes". */
function parseCommand(data: Uint8Array, i: number): Parsed | null {
  const b0 = at(data, i);
  const have = data.length - i;
  switch (b0) {
    case 0x0a:
      return { total: 1, build: () => ({ type: 'lf' }) };
    case 0x10: {
      if (have < 2) return null;
      const b1 = at(data, i + 1);
      if (b1 === 0x04) {
        if (have < 3) return null;
        const n = at(data, i + 2);
        if (n === 7 || n === 8) return fixed(4, 'DLE EOT n a');
        return { total: 3, build: () => ({ type: 'realtime-status', n }) };
      }
      if (b1 === 0x05) return fixed(3, 'DLE ENQ');
      if (b1 === 0x14) {
        if (have < 3) return null;
        const fn = at(data, i + 2);
        const total = fn === 8 ? 10 : fn === 7 ? 4 : fn >= 1 && fn <= 3 ? 5 : 3;
        return fixed(total, `DLE DC4 ${fn}`);
      }
      return fixed(1, 'DLE');
    }
    case 0x1b:
      return parseEsc(data, i);
    case 0x1d:
      return parseGs(data, i);
    case 0x1c:
      return parseFs(data, i);
    default:
      return fixed(1, `0x${b0.toString(16).padStart(2, '0')}`);
  }
}

function parseEsc(data: Uint8Array, i: number): Parsed | null {
  const have = data.length - i;
  if (have < 2) return null;
  const c = at(data, i + 1);
  const n = (build: (v: number) => Body): Parsed | null =>
    have < 3 ? null : { total: 3, build: (cmd) => build(at(cmd, 2)) };
  switch (c) {
    case 0x40: // ESC @
      return { total: 2, build: () => ({ type: 'init' }) };
    case 0x21: // ESC ! n: print mode
      return n((v) => ({
        type: 'mode',
        bold: (v & 0x08) !== 0,
        underline: (v & 0x80) !== 0,
        width: v & 0x20 ? 2 : 1,
        height: v & 0x10 ? 2 : 1,
      }));
    case 0x45: // ESC E n: emphasised
    case 0x47: // ESC G n: double-strike
      return n((v) => ({ type: 'bold', on: (v & 1) === 1 }));
    case 0x2d: // ESC - n: underline
      return n((v) => ({ type: 'underline', on: v === 1 || v === 2 || v === 49 || v === 50 }));
    case 0x61: // ESC a n: justification
      return n((v) => ({ type: 'align', align: alignOf(v) }));
    case 0x74: // ESC t n: character code table
      return n((v) => ({ type: 'codepage', page: v }));
    case 0x64: // ESC d n: print and feed n lines
      return n((v) => ({ type: 'feed', lines: v }));
    case 0x69: // ESC i: partial cut (CUSTOM's cut)
    case 0x6d: // ESC m: partial cut
      return { total: 2, build: () => ({ type: 'cut', partial: c === 0x6d }) };
    case 0x32: // ESC 2
    case 0x3c: // ESC <
    case 0x4c: // ESC L
    case 0x53: // ESC S
      return fixed(2, `ESC ${String.fromCharCode(c)}`);
    case 0x63: // ESC c 3|4|5 n
    case 0x42: // ESC B n t (buzzer)
    case 0x24: // ESC $ nL nH
    case 0x5c: // ESC \ nL nH
      return fixed(4, `ESC ${String.fromCharCode(c)}`);
    case 0x70: // ESC p m t1 t2
      return fixed(5, 'ESC p');
    case 0x57: // ESC W: print area in page mode
      return fixed(10, 'ESC W');
    case 0x44: {
      // ESC D n1 … NUL: tab positions (at most 32)
      const total = untilNul(data, i, 2, 35);
      return total === null ? null : fixed(total, 'ESC D');
    }
    case 0x2a: {
      // ESC * m nL nH d1…dk: bit image
      if (have < 5) return null;
      const m = at(data, i + 2);
      const dots = at(data, i + 3) | (at(data, i + 4) << 8);
      return fixed(5 + dots * (m === 32 || m === 33 ? 3 : 1), 'ESC *');
    }
    case 0x26: {
      const total = userCharsLength(data, i);
      return total === null ? null : fixed(total, 'ESC &');
    }
    default:
      // ESC 3 n, ESC J n, ESC M n, ESC R n, ESC SP n, ESC V n, ESC { n, ESC = n, ESC U n, ESC T n, ESC r n, ESC % n, ESC ? n, ESC e n …
      return fixed(3, `ESC ${String.fromCharCode(c)}`);
  }
}

function parseGs(data: Uint8Array, i: number): Parsed | null {
  const have = data.length - i;
  if (have < 2) return null;
  const c = at(data, i + 1);
  switch (c) {
    case 0x21: // GS ! n: character size, width in the high nibble
      return have < 3
        ? null
        : {
            total: 3,
            build: (cmd) => ({ type: 'size', width: ((at(cmd, 2) >> 4) & 7) + 1, height: (at(cmd, 2) & 7) + 1 }),
          };
    case 0x56: {
      // GS V m [n]: cut
      if (have < 3) return null;
      const m = at(data, i + 2);
      const total = m === 0 || m === 1 || m === 48 || m === 49 ? 3 : 4;
      return { total, build: () => ({ type: 'cut', partial: m === 1 || m === 49 || m === 66 || m === 98 }) };
    }
    case 0x28: {
      // GS ( x pL pH …: every function of this family carries its length
      if (have < 5) return null;
      const fnLetter = at(data, i + 2);
      const total = 5 + (at(data, i + 3) | (at(data, i + 4) << 8));
      if (fnLetter === 0x6b) {
        return {
          total,
          build: (cmd) => {
            const [cn, fn] = [at(cmd, 5), at(cmd, 6)];
            if (cn === 0x31 && fn === 0x50) return { type: 'qr-store', data: decodeAscii(cmd.subarray(8)) }; // QR: store data
            if (cn === 0x31 && fn === 0x51) return { type: 'qr-print' }; // QR: print the stored symbol
            return { type: 'ignored', command: `GS ( k ${cn}/${fn}` };
          },
        };
      }
      if (fnLetter === 0x4c) return { total, build: (cmd) => graphics(cmd, 5) };
      return fixed(total, `GS ( ${String.fromCharCode(fnLetter)}`);
    }
    case 0x38: {
      // GS 8 L p1 p2 p3 p4 m fn …: graphics with a 32-bit length
      if (have < 7) return null;
      const p = at(data, i + 3) + at(data, i + 4) * 0x100 + at(data, i + 5) * 0x10000 + at(data, i + 6) * 0x1000000;
      return { total: 7 + p, build: (cmd) => graphics(cmd, 7) };
    }
    case 0x72: // GS r n: transmit status (in order)
      return have < 3
        ? null
        : {
            total: 3,
            build: (cmd) =>
              at(cmd, 2) === 1 || at(cmd, 2) === 49 ? { type: 'paper-status' } : { type: 'ignored', command: 'GS r' },
          };
    case 0x76: {
      // GS v 0 m xL xH yL yH d…: raster bit image
      if (have < 8) return null;
      const x = at(data, i + 4) | (at(data, i + 5) << 8);
      const y = at(data, i + 6) | (at(data, i + 7) << 8);
      return fixed(8 + x * y, 'GS v 0');
    }
    case 0x6b: {
      // GS k m …: barcode, NUL-terminated (m ≤ 6) or counted (m ≥ 65)
      if (have < 3) return null;
      const m = at(data, i + 2);
      if (m <= 6) {
        const total = untilNul(data, i, 3, 259);
        return total === null ? null : fixed(total, 'GS k');
      }
      return have < 4 ? null : fixed(4 + at(data, i + 3), 'GS k');
    }
    case 0x2a: {
      // GS * x y d…: downloaded bit image
      if (have < 4) return null;
      return fixed(4 + at(data, i + 2) * at(data, i + 3) * 8, 'GS *');
    }
    case 0x4c: // GS L nL nH
    case 0x57: // GS W nL nH
    case 0x50: // GS P x y
    case 0x24: // GS $ nL nH
    case 0x5c: // GS \ nL nH
      return fixed(4, `GS ${String.fromCharCode(c)}`);
    case 0x3a: // GS :
      return fixed(2, 'GS :');
    default:
      // GS a n, GS B n, GS H n, GS f n, GS h n, GS w n, GS b n, GS I n, GS T n, GS E n, GS / m …
      return fixed(3, `GS ${String.fromCharCode(c)}`);
  }
}

function parseFs(data: Uint8Array, i: number): Parsed | null {
  const have = data.length - i;
  if (have < 2) return null;
  const c = at(data, i + 1);
  switch (c) {
    case 0x70: // FS p n m: print NV bit image n
      return have < 4 ? null : { total: 4, build: (cmd) => ({ type: 'logo-print', key: `#${at(cmd, 2)}` }) };
    case 0x71: {
      // FS q n …: define NV bit images
      const total = nvBitImageLength(data, i);
      return total === null ? null : { total, build: nvBitImages };
    }
    case 0x28: {
      if (have < 5) return null;
      return fixed(5 + (at(data, i + 3) | (at(data, i + 4) << 8)), 'FS (');
    }
    case 0x21: // FS ! n
    case 0x2d: // FS - n
    case 0x43: // FS C n
    case 0x57: // FS W n
      return fixed(3, `FS ${String.fromCharCode(c)}`);
    case 0x53: // FS S n1 n2
      return fixed(4, 'FS S');
    case 0x32: // FS 2 c1 c2 d1…d72
      return fixed(76, 'FS 2');
    default:
      // FS &, FS . …
      return fixed(2, `FS ${String.fromCharCode(c)}`);
  }
}

function isText(byte: number): boolean {
  return (byte >= 0x20 && byte < 0x7f) || byte >= 0x80;
}

export class EscPosInterpreter {
  private pending: Uint8Array = new Uint8Array(0);
  /** A command of known length still arriving: its buffer, how much is filled, how to read it. */
  private collect: { buffer: Uint8Array; filled: number; build: Parsed['build'] } | null = null;
  /** Bytes of an oversized command still to be thrown away. */
  private skip = 0;
  private codePage = 0;

  /** Bytes held between calls (bounded by MAX_COMMAND_BYTES). */
  bufferedBytes(): number {
    return this.pending.length + (this.collect?.buffer.length ?? 0);
  }

  /** Forgets any partial command, as a printer does on power-up. */
  reset(): void {
    this.pending = new Uint8Array(0);
    this.collect = null;
    this.skip = 0;
    this.codePage = 0;
  }

  feed(chunk: Uint8Array): EscPosEvent[] {
    const events: EscPosEvent[] = [];
    let data = chunk;
    let i = 0;
    if (this.pending.length > 0) {
      data = new Uint8Array(this.pending.length + chunk.length);
      data.set(this.pending);
      data.set(chunk, this.pending.length);
      this.pending = new Uint8Array(0);
    }
    while (i < data.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      if (this.collect) {
        const c = this.collect;
        const n = Math.min(c.buffer.length - c.filled, data.length - i);
        c.buffer.set(data.subarray(i, i + n), c.filled);
        c.filled += n;
        i += n;
        if (c.filled === c.buffer.length) {
          this.collect = null;
          events.push(this.emit(c.build(c.buffer), c.buffer));
        }
        continue;
      }
      const byte = at(data, i);
      if (isText(byte)) {
        let j = i;
        while (j < data.length && isText(at(data, j))) j += 1;
        const raw = data.slice(i, j);
        events.push({ type: 'text', text: this.decode(raw), raw });
        i = j;
        continue;
      }
      const parsed = parseCommand(data, i);
      if (parsed === null) {
        const rest = data.slice(i);
        if (rest.length > MAX_COMMAND_BYTES) {
          events.push({ type: 'dropped', command: 'unterminated', bytes: rest.length, raw: rest.slice(0, 16) });
        } else {
          this.pending = rest;
        }
        break;
      }
      const available = data.length - i;
      if (available >= parsed.total) {
        const raw = data.slice(i, i + parsed.total);
        events.push(this.emit(parsed.build(raw), raw));
        i += parsed.total;
      } else if (parsed.total <= MAX_COMMAND_BYTES) {
        const buffer = new Uint8Array(parsed.total);
        buffer.set(data.subarray(i));
        this.collect = { buffer, filled: available, build: parsed.build };
        i = data.length;
      } else {
        events.push({ type: 'dropped', command: 'oversized', bytes: parsed.total, raw: data.slice(i, i + 16) });
        this.skip = parsed.total - available;
        i = data.length;
      }
    }
    return events;
  }

  private emit(body: Body, raw: Uint8Array): EscPosEvent {
    if (body.type === 'init') this.codePage = 0;
    if (body.type === 'codepage') this.codePage = body.page;
    return { ...body, raw };
  }

  private decode(bytes: Uint8Array): string {
    let s = '';
    for (const b of bytes) {
      if (b < 0x80) s += String.fromCharCode(b);
      else s += this.codePage === CODE_PAGE_PC858 ? (decodePc858Byte(b) ?? '\uFFFD') : '\uFFFD';
    }
    return s;
  }
}
