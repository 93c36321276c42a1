import { describe, expect, it } from 'vitest';
import { loadReaderFixture } from '../../tests/fixtures/hardware/readers/fixtures';
import {
  ANNA,
  MARIO,
  SAMPLE_CF,
  SAMPLE_CF_ANNA,
  omocodic,
  tesseraSwipe,
  tesseraTrack1,
  withWrongCheck,
} from '../../tests/fixtures/hardware/readers/samples';
import { createMagstripeDecoder, parseTesseraSanitaria } from './magstripe';
import type { MagstripeSwipe } from './magstripe';
import { bytewise, decodeAll, framesOf, reasonsOf, splitAt } from './test-helpers';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const TRACK1 = tesseraTrack1(MARIO).slice(1, -1);
const TRACK2 = '80380001200012345678=3012';
const swipe = (track1: string | null, extra: Partial<MagstripeSwipe> = {}): MagstripeSwipe => ({
  track1,
  track2: null,
  track3: null,
  faults: [],
  ...extra,
});

describe('magstripe decoder', () => {
  it('frames a three-track swipe with CR LF between tracks as soon as track 3 ends', () => {
    const decoder = createMagstripeDecoder();
    const out = decoder.feed(loadReaderFixture('magstripe-ts'), 0);
    expect(out).toEqual([{ kind: 'frame', frame: { track1: TRACK1, track2: TRACK2, track3: null, faults: [] } }]);
    expect(decoder.deadline()).toBeNull();
  });

  it('ends a two-track swipe after the inter-byte timeout', () => {
    const decoder = createMagstripeDecoder({ interByteTimeoutMs: 100 });
    expect(decoder.feed(loadReaderFixture('magstripe-ts-two-tracks'), 1_000)).toEqual([]);
    expect(decoder.tick(1_099)).toEqual([]);
    expect(framesOf(decoder.tick(1_100))).toEqual([{ track1: TRACK1, track2: TRACK2, track3: null, faults: [] }]);
  });

  it('gives the same swipe whichever byte the chunk boundary falls on', () => {
    const fixture = loadReaderFixture('magstripe-ts');
    const expected = [{ track1: TRACK1, track2: TRACK2, track3: null, faults: [] }];
    for (let at = 0; at <= fixture.length; at++) {
      expect(framesOf(decodeAll(createMagstripeDecoder(), splitAt(fixture, at)))).toEqual(expected);
    }
    expect(framesOf(decodeAll(createMagstripeDecoder(), bytewise(fixture)))).toEqual(expected);
  });

  it('keeps the good tracks of a swipe and lists the bad ones', () => {
    const out = decodeAll(createMagstripeDecoder(), [loadReaderFixture('magstripe-track1-error')]);
    expect(framesOf(out)).toEqual([
      {
        track1: null,
        track2: TRACK2,
        track3: null,
        faults: [
          { track: 1, fault: 'reader-error' },
          { track: 3, fault: 'reader-error' },
        ],
      },
    ]);
  });

  it('reports a swipe with no good track as unreadable, naming the first fault', () => {
    expect(decodeAll(createMagstripeDecoder(), [bytes('%E?;E?;E?')])).toEqual([
      {
        kind: 'unreadable',
        reason: 'reader-error',
        detail: 'track 1: reader-error; track 2: reader-error; track 3: reader-error',
      },
    ]);
    expect(reasonsOf(decodeAll(createMagstripeDecoder(), [bytes('%ROSSI\x01MARIO?')]))).toEqual(['garbled']);
    expect(reasonsOf(decodeAll(createMagstripeDecoder(), [bytes(';12345A?')]))).toEqual(['garbled']);
  });

  it('reports a track without its end sentinel as truncated', () => {
    expect(reasonsOf(decodeAll(createMagstripeDecoder(), [bytes('%RSSMRA80')]))).toEqual(['truncated']);
    expect(reasonsOf(decodeAll(createMagstripeDecoder(), [bytes('%RSSMRA80\r\n')]))).toEqual(['truncated']);
  });

  it('reports an oversized track and keeps memory bounded', () => {
    const decoder = createMagstripeDecoder();
    const out = decoder.feed(bytes(`%${'A'.repeat(500)}`), 0);
    expect(decoder.buffered).toBeLessThanOrEqual(decoder.maxBuffered);
    out.push(...decoder.feed(bytes('?'), 0), ...decoder.tick(1_000));
    expect(reasonsOf(out)).toEqual(['oversized']);
  });

  it('reports bytes outside any track as noise', () => {
    expect(decodeAll(createMagstripeDecoder(), [bytes('hello\r\n')])).toEqual([
      { kind: 'unreadable', reason: 'noise', detail: '5 bytes outside any track' },
    ]);
  });

  it('starts a new swipe when a track number repeats', () => {
    const two = bytes(`%${TRACK1}?;${TRACK2}?%${TRACK1}?`);
    expect(framesOf(decodeAll(createMagstripeDecoder(), [two]))).toHaveLength(2);
  });

  it('reads `+` as the start of track 3', () => {
    expect(framesOf(decodeAll(createMagstripeDecoder(), [bytes('%A?+0123?')]))).toEqual([
      { track1: 'A', track2: null, track3: '0123', faults: [] },
    ]);
  });
});

describe('Tessera Sanitaria', () => {
  it('reads codice fiscale, surname and given name from track 1', () => {
    expect(parseTesseraSanitaria(swipe(TRACK1))).toEqual({
      ok: true,
      value: {
        kind: 'tesseraSanitaria',
        codiceFiscale: SAMPLE_CF,
        surname: 'ROSSI',
        givenName: 'MARIO',
        namesMatchCodiceFiscale: true,
      },
    });
  });

  it('reads a two-word given name and an omocodic code', () => {
    const cf = omocodic(SAMPLE_CF_ANNA, 2);
    const [frame] = framesOf(decodeAll(createMagstripeDecoder(), [bytes(tesseraSwipe(ANNA, cf))]));
    expect(parseTesseraSanitaria(frame as MagstripeSwipe)).toMatchObject({
      ok: true,
      value: { codiceFiscale: cf, surname: 'BIANCHI', givenName: 'ANNA MARIA', namesMatchCodiceFiscale: true },
    });
  });

  it('tolerates other separators and a format character before the code', () => {
    for (const track1 of [
      `B${SAMPLE_CF}ROSSI^MARIO^`,
      `${SAMPLE_CF}ROSSI/MARIO`,
      `${SAMPLE_CF}ROSSI<<MARIO<<<<`,
      `${SAMPLE_CF} ROSSI  MARIO  19800101 M`,
    ]) {
      expect(parseTesseraSanitaria(swipe(track1))).toMatchObject({
        ok: true,
        value: { codiceFiscale: SAMPLE_CF, surname: 'ROSSI', givenName: 'MARIO' },
      });
    }
  });

  it('flags names that do not give the code (a misread name), still answering the code', () => {
    expect(parseTesseraSanitaria(swipe(`${SAMPLE_CF}VERDI  MARIO`))).toMatchObject({
      ok: true,
      value: { codiceFiscale: SAMPLE_CF, namesMatchCodiceFiscale: false },
    });
    expect(parseTesseraSanitaria(swipe(SAMPLE_CF))).toMatchObject({
      ok: true,
      value: { surname: null, givenName: null, namesMatchCodiceFiscale: false },
    });
  });

  it('refuses a codice fiscale with a wrong check character', () => {
    expect(parseTesseraSanitaria(swipe(`${withWrongCheck(SAMPLE_CF)}ROSSI  MARIO`))).toEqual({
      ok: false,
      reason: 'cf-check-char',
    });
  });

  it('says why when there is no track 1 or no code in it', () => {
    expect(
      parseTesseraSanitaria(swipe(null, { track2: TRACK2, faults: [{ track: 1, fault: 'reader-error' }] })),
    ).toEqual({
      ok: false,
      reason: 'no-track-1',
      detail: 'track 1: reader-error',
    });
    expect(parseTesseraSanitaria(swipe('B4111111111111111^DOE/JOHN^2512'))).toEqual({
      ok: false,
      reason: 'no-codice-fiscale',
    });
  });
});
