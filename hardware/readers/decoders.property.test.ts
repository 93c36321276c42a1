/**
 * Property tests of every reader decoder: random, truncated and interleaved
 * bytes never make a decoder throw or grow past its bound, and valid frames
 * embedded in garbage are still found, in order. Framing contract used here:
 * garbage is separated from the next frame by silence longer than the
 * inter-byte timeout (any decoder) or, without silence, by a line end (scanner,
 * MRZ) or by the next swipe's `%` (magstripe).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codiceFiscaleOf, td1, td3 } from '../../tests/fixtures/hardware/readers/samples';
import type { Person } from '../../tests/fixtures/hardware/readers/samples';
import { createMagstripeDecoder } from './magstripe';
import type { MagstripeSwipe } from './magstripe';
import { createMrzDecoder } from './mrz';
import type { MrzFrame } from './mrz';
import { createScannerDecoder } from './scanner';
import type { DecoderOutput, FrameDecoder } from './types';

type Sample<F> = { bytes: Uint8Array; frame: F };

type Subject<F> = {
  name: string;
  make: () => FrameDecoder<F, string>;
  timeoutMs: number;
  valid: fc.Arbitrary<Sample<F>>;
  /** Garbage that may sit right before a valid frame with no silence in between. */
  noGapGarbage: fc.Arbitrary<Uint8Array>;
};

const ascii = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'));
const concat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

/** Bytes every reader treats specially, to bias garbage towards the framing code paths. */
const SPECIAL = ascii('\r\n%;+?<E^/ AC IP0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\x00\x7f\xff\xc3');
const randomBytes = fc.uint8Array({ maxLength: 1500 });
const biasedBytes = fc
  .array(fc.oneof(fc.constantFrom(...SPECIAL), fc.integer({ min: 0, max: 255 })), { maxLength: 1500 })
  .map((a) => Uint8Array.from(a));
const anyGarbage = fc.oneof(randomBytes, biasedBytes);

const letters = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Z]{${min},${max}}$`));
const person: fc.Arbitrary<Person> = fc.record({
  surname: letters(2, 12),
  givenName: letters(2, 12),
  birthDate: fc
    .date({ min: new Date('1920-01-01T12:00:00Z'), max: new Date('2024-12-31T12:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  sex: fc.constantFrom('M' as const, 'F' as const),
  birthPlace: fc.stringMatching(/^[A-Z]\d{3}$/),
});

const LINE_ENDS = ['\r', '\n', '\r\n'];

const scanner: Subject<string> = {
  name: 'scanner',
  make: () => createScannerDecoder({ maxLineLength: 512, interByteTimeoutMs: 100 }),
  timeoutMs: 100,
  valid: fc
    .tuple(
      fc.oneof(
        person.map((p) => codiceFiscaleOf(p)),
        fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 200 }),
      ),
      fc.constantFrom(...LINE_ENDS),
    )
    .map(([text, end]) => ({ bytes: ascii(`${text}${end}`), frame: text })),
  noGapGarbage: anyGarbage.map((g) => concat(g, ascii('\r\n'))),
};

const TRACK1_DATA = /^[A-Z0-9 ]{1,60}$/;
const magstripe: Subject<MagstripeSwipe> = {
  name: 'magstripe',
  make: () => createMagstripeDecoder({ interByteTimeoutMs: 100 }),
  timeoutMs: 100,
  valid: fc
    .tuple(
      fc.oneof(
        person.map((p) => `${codiceFiscaleOf(p)}${p.surname}  ${p.givenName}`),
        // `E` alone is the reader's "could not read this track".
        fc.stringMatching(TRACK1_DATA).filter((t) => t !== 'E'),
      ),
      fc.stringMatching(/^[0-9=]{1,37}$/),
      fc.option(fc.stringMatching(/^[0-9=]{1,100}$/), { nil: null }),
      fc.constantFrom('', '\r\n', '\n'),
    )
    .map(([track1, track2, track3, sep]) => ({
      bytes: ascii(`%${track1}?${sep};${track2}?${sep};${track3 ?? ''}?${sep}`),
      frame: { track1, track2, track3, faults: [] },
    })),
  noGapGarbage: anyGarbage,
};

const mrzLines = fc.oneof(
  fc
    .record({
      p: person,
      number: fc.stringMatching(/^[A-Z0-9]{9}$/),
      expiry: fc.constantFrom('2030-01-31', '2019-12-01'),
    })
    .map(({ p, number, expiry }) => {
      const doc = {
        documentCode: 'CI',
        issuingState: 'ITA',
        documentNumber: number,
        surname: p.surname,
        givenNames: p.givenName,
        nationality: 'ITA',
        birthDate: p.birthDate,
        sex: p.sex,
        expiryDate: expiry,
      };
      return [td1(doc), td3({ ...doc, documentCode: 'P' })] as const;
    })
    .chain(([a, b]) => fc.constantFrom<string[]>(a, b)),
  fc.tuple(...[0, 1, 2].map(() => fc.stringMatching(/^[ACI][A-Z0-9<]{29}$/))),
  fc.tuple(fc.stringMatching(/^P[A-Z0-9<]{43}$/), fc.stringMatching(/^[A-Z0-9<]{44}$/)),
);
const mrz: Subject<MrzFrame> = {
  name: 'MRZ',
  make: () => createMrzDecoder({ interByteTimeoutMs: 50 }),
  timeoutMs: 50,
  valid: fc.tuple(mrzLines, fc.constantFrom(...LINE_ENDS)).map(([lines, end]) => ({
    bytes: ascii(`${lines.join(end)}${end}`),
    frame: { format: lines.length === 3 ? 'TD1' : 'TD3', lines: [...lines] },
  })),
  // Random bytes, not MRZ-biased ones: a garbage line of exactly 30/44 MRZ characters would be a (bad) document.
  noGapGarbage: randomBytes.map((g) => concat(g, ascii('\r\n'))),
};

/** Cut points inside `length` bytes. */
const cuts = fc.array(fc.nat(), { maxLength: 8 });

function chunk(bytes: Uint8Array, at: readonly number[]): Uint8Array[] {
  const points = [...new Set(at.map((a) => (bytes.length === 0 ? 0 : a % (bytes.length + 1))))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

/** Feeds chunks at `t`, checking the bound after each; returns outputs. */
function feedChecked<F>(decoder: FrameDecoder<F, string>, chunks: Uint8Array[], t: number): DecoderOutput<F, string>[] {
  const out: DecoderOutput<F, string>[] = [];
  for (const c of chunks) {
    out.push(...decoder.feed(c, t));
    expect(decoder.buffered).toBeLessThanOrEqual(decoder.maxBuffered);
  }
  return out;
}

function wellFormed<F>(outputs: DecoderOutput<F, string>[]): void {
  for (const o of outputs) {
    expect(['frame', 'unreadable']).toContain(o.kind);
    if (o.kind === 'unreadable') expect(typeof o.reason).toBe('string');
  }
}

/** Whether `expected` occurs in `actual` in order (not necessarily adjacent). */
function inOrder<F>(actual: readonly F[], expected: readonly F[]): boolean {
  let i = 0;
  for (const a of actual) if (i < expected.length && JSON.stringify(a) === JSON.stringify(expected[i])) i++;
  return i === expected.length;
}

const framesOf = <F>(outputs: DecoderOutput<F, string>[]) =>
  outputs.flatMap((o) => (o.kind === 'frame' ? [o.frame] : []));

function properties<F>(s: Subject<F>): void {
  describe(`${s.name} decoder`, () => {
    it('never throws and stays bounded on random bytes in random chunks at random times', () => {
      fc.assert(
        fc.property(
          anyGarbage,
          cuts,
          fc.array(fc.nat({ max: 3 * s.timeoutMs }), { maxLength: 9 }),
          (bytes, at, gaps) => {
            const decoder = s.make();
            const outputs: DecoderOutput<F, string>[] = [];
            let t = 1_000;
            chunk(bytes, at).forEach((c, i) => {
              t += gaps[i] ?? 0;
              outputs.push(...feedChecked(decoder, [c], t));
              outputs.push(...decoder.tick(t + (gaps[i] ?? 0)));
            });
            wellFormed(outputs);
            wellFormed(decoder.flush());
            expect(decoder.buffered).toBe(0);
            expect(decoder.deadline()).toBeNull();
          },
        ),
      );
    });

    it('finds a valid frame after a truncated one and silence', () => {
      fc.assert(
        fc.property(s.valid, s.valid, fc.nat(), cuts, (cut, whole, at, at2) => {
          const decoder = s.make();
          const truncated = cut.bytes.subarray(0, at % cut.bytes.length);
          const out = [
            ...feedChecked(decoder, chunk(truncated, at2), 0),
            ...feedChecked(decoder, chunk(whole.bytes, at2), s.timeoutMs + 1),
            ...decoder.tick(10 * s.timeoutMs),
          ];
          wellFormed(out);
          const frames = framesOf(out);
          expect(frames.at(-1)).toEqual(whole.frame);
        }),
      );
    });

    it('finds every valid frame interleaved with garbage separated by silence', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              s.valid,
              anyGarbage.map((bytes) => ({ bytes, frame: null })),
            ),
            { maxLength: 8 },
          ),
          cuts,
          (segments, at) => {
            const decoder = s.make();
            const out: DecoderOutput<F, string>[] = [];
            let t = 0;
            for (const segment of segments) {
              out.push(...feedChecked(decoder, chunk(segment.bytes, at), t));
              t += s.timeoutMs + 1;
            }
            out.push(...decoder.tick(t + s.timeoutMs));
            wellFormed(out);
            const expected = segments.flatMap((seg) => (seg.frame === null ? [] : [seg.frame]));
            expect(inOrder(framesOf(out), expected)).toBe(true);
          },
        ),
      );
    });

    it('finds a valid frame right after garbage, without silence', () => {
      fc.assert(
        fc.property(s.noGapGarbage, s.valid, s.noGapGarbage, cuts, (before, valid, after, at) => {
          const decoder = s.make();
          const out = [...feedChecked(decoder, chunk(concat(before, valid.bytes, after), at), 0), ...decoder.tick(1e6)];
          wellFormed(out);
          expect(inOrder(framesOf(out), [valid.frame])).toBe(true);
        }),
      );
    });
  });
}

properties(scanner);
properties(magstripe);
properties(mrz);
