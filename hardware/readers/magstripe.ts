/**
 * Magnetic stripe reader (ISO/IEC 7811) in serial mode. One swipe arrives as up
 * to three tracks, each between a start and an end sentinel, possibly with CR/LF
 * between them:
 *
 *     %<track 1: 0x20–0x5F, ≤ 79 chars>?   ;<track 2: 0–9 : < = >, ≤ 40>?   ;<track 3: same set, ≤ 107>?
 *
 * A start sentinel always starts a track, even inside another one (whose end
 * sentinel was then lost: that track is `truncated`), so `;` is never data in
 * track 1. Track 3 may also start with `+`. A `;` track is track 2 unless track 2 was
 * already seen in this swipe (a card with tracks 1 and 3 only is read as 1 and
 * 2 — readers that care send `+` for track 3). A swipe ends when track 3 ends, when
 * a track number repeats (the next swipe began), or after `interByteTimeoutMs` of
 * silence. Readers report a track they could not read as `E` (`%E?`, `;E?`); an
 * empty track (`;?`) is simply absent.
 *
 * `parseTesseraSanitaria` reads the Tessera Sanitaria / TS-CNS. The law says only
 * that the card carries the codice fiscale "anche in codice a barre nonché in banda
 * magnetica" (art. 50 DL 269/2003, as quoted by the DM of 14 March 2022); the
 * track layout of the technical annex (DM 11 March 2004) was not available to us
 * and is unverified on a real card. So the parser is deliberately tolerant and
 * assumes:
 *
 *     track 1 = %[format char]<CODICE FISCALE><SURNAME><sep><GIVEN NAME>[<sep>anything]?
 *
 * where <sep> is two or more spaces, `^`, `/` or `<<`. It takes the first
 * 16-character run that is a valid codice fiscale (check character verified), and
 * the two name fields after it; it reports whether those names give the code's
 * first six letters (`namesMatchCodiceFiscale`), which catches a misread name.
 * Tracks 2 and 3 (card number, expiry) are not used.
 */
import { CODICE_FISCALE_SHAPE, checkCodiceFiscale, namesMatchCodiceFiscale } from './codice-fiscale';
import { CR, LF } from './types';
import type { DecoderOutput, FrameDecoder, Parsed } from './types';

export type TrackNumber = 1 | 2 | 3;
export type TrackFault = 'oversized' | 'garbled' | 'truncated' | 'reader-error';

export type MagstripeSwipe = {
  track1: string | null;
  track2: string | null;
  track3: string | null;
  /** Tracks that were present but bad; the swipe still carries the good ones. */
  faults: { track: TrackNumber; fault: TrackFault }[];
};

export type MagstripeFrameReason = TrackFault | 'noise';

export type MagstripeDecoderOptions = {
  /** Silence that ends a swipe. Default 100 ms. */
  interByteTimeoutMs?: number;
};

const PERCENT = 0x25; // % start sentinel, track 1
const SEMICOLON = 0x3b; // ; start sentinel, tracks 2 and 3
const PLUS = 0x2b; // + start sentinel some readers use for track 3
const QUESTION = 0x3f; // ? end sentinel
const LETTER_E = 0x45; // a reader's "track unreadable" marker

/** Longest data (between the sentinels) accepted per track; ISO 7811 caps: 79, 40, 107 characters. */
const MAX_TRACK: Record<TrackNumber, number> = { 1: 79, 2: 40, 3: 107 };

function validTrackByte(track: TrackNumber, b: number): boolean {
  if (track === 1) return b >= 0x20 && b <= 0x5f && b !== PERCENT && b !== QUESTION;
  return b >= 0x30 && b <= 0x3f && b !== SEMICOLON && b !== QUESTION;
}

class MagstripeDecoder implements FrameDecoder<MagstripeSwipe, MagstripeFrameReason> {
  readonly maxBuffered = MAX_TRACK[1] + MAX_TRACK[2] + MAX_TRACK[3] + MAX_TRACK[3];
  private readonly timeoutMs: number;
  private readonly data = new Uint8Array(MAX_TRACK[3]);
  private track: TrackNumber | 0 = 0; // the track being read, 0 between tracks
  private length = 0;
  private overflow = false;
  private lastTrack: TrackNumber | 0 = 0; // highest track seen in this swipe
  private swipe: MagstripeSwipe = { track1: null, track2: null, track3: null, faults: [] };
  private stored = 0;
  private noise = 0;
  private lastByteAt = 0;

  constructor(options: MagstripeDecoderOptions) {
    this.timeoutMs = options.interByteTimeoutMs ?? 100;
  }

  get buffered(): number {
    return this.stored + this.length;
  }

  private get pending(): boolean {
    return this.track !== 0 || this.lastTrack !== 0 || this.noise > 0;
  }

  deadline(): number | null {
    return this.pending ? this.lastByteAt + this.timeoutMs : null;
  }

  feed(chunk: Uint8Array, now: number): DecoderOutput<MagstripeSwipe, MagstripeFrameReason>[] {
    const out = this.tick(now);
    if (chunk.length === 0) return out;
    this.lastByteAt = now;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      const track = this.track;
      if (b === PERCENT) this.start(1, out);
      else if (b === SEMICOLON) this.start(this.lastTrack === 2 || track === 2 ? 3 : 2, out);
      else if (b === PLUS && track !== 1) this.start(3, out);
      else if (track === 0) {
        if (b !== CR && b !== LF) this.noise++;
      } else if (b === QUESTION) this.end(out);
      else if (b === CR || b === LF) this.fault('truncated', out);
      else if (this.length < MAX_TRACK[track]) this.data[this.length++] = b;
      else this.overflow = true;
    }
    return out;
  }

  tick(now: number): DecoderOutput<MagstripeSwipe, MagstripeFrameReason>[] {
    const deadline = this.deadline();
    if (deadline === null || now < deadline) return [];
    return this.flush();
  }

  flush(): DecoderOutput<MagstripeSwipe, MagstripeFrameReason>[] {
    const out: DecoderOutput<MagstripeSwipe, MagstripeFrameReason>[] = [];
    if (this.track !== 0) this.fault('truncated', out);
    this.emit(out);
    return out;
  }

  /** A start sentinel: an unfinished track is truncated; a track number already seen begins a new swipe. */
  private start(track: TrackNumber, out: DecoderOutput<MagstripeSwipe, MagstripeFrameReason>[]): void {
    if (this.track !== 0) this.fault('truncated', out);
    if (this.lastTrack >= track) this.emit(out);
    this.track = track;
    this.length = 0;
    this.overflow = false;
  }

  private end(out: DecoderOutput<MagstripeSwipe, MagstripeFrameReason>[]): void {
    const track = this.track as TrackNumber;
    if (this.overflow) return this.fault('oversized', out);
    const { data, length } = this;
    if (length === 1 && data[0] === LETTER_E) return this.fault('reader-error', out);
    for (let i = 0; i < length; i++) {
      if (!validTrackByte(track, data[i] as number)) return this.fault('garbled', out);
    }
    if (length > 0) {
      const text = Buffer.from(data.buffer, 0, length).toString('latin1');
      if (track === 1) this.swipe.track1 = text;
      else if (track === 2) this.swipe.track2 = text;
      else this.swipe.track3 = text;
      this.stored += length;
    }
    this.closeTrack(track, out);
  }

  private fault(reason: TrackFault, out: DecoderOutput<MagstripeSwipe, MagstripeFrameReason>[]): void {
    const track = this.track as TrackNumber;
    this.swipe.faults.push({ track, fault: this.overflow ? 'oversized' : reason });
    this.closeTrack(track, out);
  }

  private closeTrack(track: TrackNumber, out: DecoderOutput<MagstripeSwipe, MagstripeFrameReason>[]): void {
    this.track = 0;
    this.length = 0;
    this.overflow = false;
    if (track > this.lastTrack) this.lastTrack = track;
    if (track === 3) this.emit(out);
  }

  private emit(out: DecoderOutput<MagstripeSwipe, MagstripeFrameReason>[]): void {
    const swipe = this.swipe;
    const noise = this.noise;
    this.swipe = { track1: null, track2: null, track3: null, faults: [] };
    this.stored = 0;
    this.noise = 0;
    this.lastTrack = 0;
    if (swipe.track1 !== null || swipe.track2 !== null || swipe.track3 !== null) {
      out.push({ kind: 'frame', frame: swipe });
    } else if (swipe.faults.length > 0) {
      const first = swipe.faults[0] as { track: TrackNumber; fault: TrackFault };
      const detail = swipe.faults.map((f) => `track ${f.track}: ${f.fault}`).join('; ');
      out.push({ kind: 'unreadable', reason: first.fault, detail });
    } else if (noise > 0) {
      out.push({ kind: 'unreadable', reason: 'noise', detail: `${noise} bytes outside any track` });
    }
  }
}

/** A decoder of ISO 7811 swipes. */
export function createMagstripeDecoder(
  options: MagstripeDecoderOptions = {},
): FrameDecoder<MagstripeSwipe, MagstripeFrameReason> {
  return new MagstripeDecoder(options);
}

export type TesseraSanitariaRead = {
  kind: 'tesseraSanitaria';
  codiceFiscale: string;
  surname: string | null;
  givenName: string | null;
  /** Whether surname and given name give the code's first six letters. */
  namesMatchCodiceFiscale: boolean;
};

export type TesseraSanitariaReason = 'no-track-1' | 'no-codice-fiscale' | 'cf-check-char';

const NAME_SEPARATOR = /\^|\/|<{2,}|\s{2,}/;
const NAME = /^[A-Z][A-Z' .-]*/;

function cleanName(field: string | undefined): string | null {
  if (field === undefined) return null;
  const name = NAME.exec(field.replace(/</g, ' ').trim())?.[0].replace(/\s+/g, ' ').trim();
  return name ? name : null;
}

/** Reads codice fiscale, surname and given name from a Tessera Sanitaria swipe (layout assumed above). */
export function parseTesseraSanitaria(swipe: MagstripeSwipe): Parsed<TesseraSanitariaRead, TesseraSanitariaReason> {
  if (swipe.track1 === null) {
    const detail = swipe.faults.find((f) => f.track === 1)?.fault;
    return detail
      ? { ok: false, reason: 'no-track-1', detail: `track 1: ${detail}` }
      : { ok: false, reason: 'no-track-1' };
  }
  const track1 = swipe.track1.toUpperCase();
  let shaped = false;
  for (let at = 0; at + 16 <= track1.length; at++) {
    const candidate = track1.slice(at, at + 16);
    if (!CODICE_FISCALE_SHAPE.test(candidate)) continue;
    shaped = true;
    const cf = checkCodiceFiscale(candidate);
    if (!cf.ok) continue;
    const fields = track1
      .slice(at + 16)
      .replace(/^[\s^/<]+/, '')
      .split(NAME_SEPARATOR);
    const surname = cleanName(fields[0]);
    const givenName = cleanName(fields[1]);
    const namesMatch =
      surname !== null && givenName !== null && namesMatchCodiceFiscale(cf.codiceFiscale, surname, givenName);
    return {
      ok: true,
      value: {
        kind: 'tesseraSanitaria',
        codiceFiscale: cf.codiceFiscale,
        surname,
        givenName,
        namesMatchCodiceFiscale: namesMatch,
      },
    };
  }
  return shaped ? { ok: false, reason: 'cf-check-char' } : { ok: false, reason: 'no-codice-fiscale' };
}
