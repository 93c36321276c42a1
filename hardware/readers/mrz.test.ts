import { describe, expect, it } from 'vitest';
import { loadReaderFixture } from '../../tests/fixtures/hardware/readers/fixtures';
import {
  SAMPLE_NOW,
  SAMPLE_TD1_CIE,
  SAMPLE_TD1_EXPIRED,
  SAMPLE_TD3_PASSPORT,
  SAMPLE_TD3_WITH_PERSONAL_NUMBER,
  alterMrz,
  td1,
} from '../../tests/fixtures/hardware/readers/samples';
import { createMrzDecoder, parseMrz } from './mrz';
import type { MrzFrame } from './mrz';
import { bytewise, decodeAll, framesOf, reasonsOf, splitAt } from './test-helpers';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const burst = (lines: readonly string[], end = '\r\n') => bytes(`${lines.join(end)}${end}`);

describe('MRZ decoder', () => {
  it('frames a TD1 burst as soon as its third line ends', () => {
    const decoder = createMrzDecoder();
    expect(decoder.feed(loadReaderFixture('mrz-td1-cie'), 0)).toEqual([
      { kind: 'frame', frame: { format: 'TD1', lines: SAMPLE_TD1_CIE } },
    ]);
  });

  it('frames a TD3 burst, with LF or CR alone between lines', () => {
    expect(framesOf(decodeAll(createMrzDecoder(), [burst(SAMPLE_TD3_PASSPORT, '\n')]))).toEqual([
      { format: 'TD3', lines: SAMPLE_TD3_PASSPORT },
    ]);
    expect(framesOf(decodeAll(createMrzDecoder(), [burst(SAMPLE_TD3_PASSPORT, '\r')]))).toEqual([
      { format: 'TD3', lines: SAMPLE_TD3_PASSPORT },
    ]);
  });

  it('gives the same frame whichever byte the chunk boundary falls on', () => {
    for (const [name, lines] of [
      ['mrz-td1-cie', SAMPLE_TD1_CIE],
      ['mrz-td3-passport', SAMPLE_TD3_PASSPORT],
    ] as const) {
      const fixture = loadReaderFixture(name);
      for (let at = 0; at <= fixture.length; at++) {
        const out = decodeAll(createMrzDecoder(), splitAt(fixture, at));
        expect(out).toEqual([{ kind: 'frame', frame: { format: lines.length === 3 ? 'TD1' : 'TD3', lines } }]);
      }
      expect(framesOf(decodeAll(createMrzDecoder(), bytewise(fixture)))).toHaveLength(1);
    }
  });

  it('ends a burst whose last line has no line end after the silence', () => {
    const decoder = createMrzDecoder({ interByteTimeoutMs: 50 });
    expect(decoder.feed(bytes(SAMPLE_TD1_CIE.join('\r\n')), 1_000)).toEqual([]);
    expect(decoder.tick(1_049)).toEqual([]);
    expect(framesOf(decoder.tick(1_050))).toEqual([{ format: 'TD1', lines: SAMPLE_TD1_CIE }]);
  });

  it('ignores a header line before the MRZ in the same burst', () => {
    expect(decodeAll(createMrzDecoder(), [burst(['READER<OK', ...SAMPLE_TD3_PASSPORT])])).toEqual([
      { kind: 'frame', frame: { format: 'TD3', lines: SAMPLE_TD3_PASSPORT } },
    ]);
  });

  it('reports a burst with a garbled line as unreadable once the reader falls silent', () => {
    const decoder = createMrzDecoder();
    expect(decoder.feed(loadReaderFixture('mrz-garbled'), 0)).toEqual([]);
    expect(reasonsOf(decoder.tick(50))).toEqual(['garbled']);
  });

  it('reports an incomplete burst as truncated', () => {
    expect(reasonsOf(decodeAll(createMrzDecoder(), [burst(SAMPLE_TD1_CIE.slice(0, 2))]))).toEqual(['truncated']);
  });

  it('reports a burst of endless text as oversized, holding a bounded buffer', () => {
    const decoder = createMrzDecoder();
    decoder.feed(bytes('A'.repeat(10_000)), 0);
    expect(decoder.buffered).toBeLessThanOrEqual(decoder.maxBuffered);
    expect(reasonsOf(decoder.tick(1_000))).toEqual(['oversized']);
  });

  it('reads the next burst after a bad one', () => {
    const decoder = createMrzDecoder();
    const out = [
      ...decoder.feed(burst(['GARBAGE', 'MORE']), 0),
      ...decoder.feed(loadReaderFixture('mrz-td1-cie'), 200),
      ...decoder.tick(1_000),
    ];
    expect(out.map((o) => o.kind)).toEqual(['unreadable', 'frame']);
  });
});

describe('parsing an MRZ', () => {
  it('reads a CIE (TD1) with every field', () => {
    expect(parseMrz({ format: 'TD1', lines: SAMPLE_TD1_CIE }, SAMPLE_NOW)).toEqual({
      ok: true,
      value: {
        kind: 'mrz',
        format: 'TD1',
        documentKind: 'CIE',
        documentCode: 'CI',
        issuingState: 'ITA',
        documentNumber: 'CA12345AB',
        surname: 'ROSSI',
        givenNames: 'MARIO',
        birthDate: '1980-01-01',
        expiryDate: '2031-06-30',
        expired: false,
        nationality: 'ITA',
        sex: 'M',
        personalNumber: null,
      },
    });
  });

  it('reads a passport (TD3), and its personal number when there is one', () => {
    expect(parseMrz({ format: 'TD3', lines: SAMPLE_TD3_PASSPORT }, SAMPLE_NOW)).toMatchObject({
      ok: true,
      value: {
        documentKind: 'passport',
        documentNumber: 'YA1234567',
        surname: 'BIANCHI',
        givenNames: 'ANNA MARIA',
        birthDate: '1975-08-12',
        sex: 'F',
        personalNumber: null,
      },
    });
    expect(parseMrz({ format: 'TD3', lines: SAMPLE_TD3_WITH_PERSONAL_NUMBER }, SAMPLE_NOW)).toMatchObject({
      ok: true,
      value: { issuingState: 'D', nationality: 'D', personalNumber: 'ZE184226B', birthDate: '1964-08-12' },
    });
  });

  it('flags an expired document against the injected clock', () => {
    const frame: MrzFrame = { format: 'TD1', lines: SAMPLE_TD1_EXPIRED };
    expect(parseMrz(frame, SAMPLE_NOW)).toMatchObject({ ok: true, value: { expiryDate: '2024-12-31', expired: true } });
    expect(parseMrz(frame, Date.UTC(2024, 11, 31, 10))).toMatchObject({ ok: true, value: { expired: false } });
    expect(parseMrz(frame, Date.UTC(2025, 0, 1, 10))).toMatchObject({ ok: true, value: { expired: true } });
  });

  it('refuses a wrong check digit, naming the field but not its value', () => {
    const [frame] = framesOf(decodeAll(createMrzDecoder(), [loadReaderFixture('mrz-td1-wrong-check-digit')]));
    expect(parseMrz(frame as MrzFrame, SAMPLE_NOW)).toEqual({
      ok: false,
      reason: 'mrz-check-digit',
      detail: 'birthDateCheckDigit,compositeCheckDigit',
    });
    const passport = alterMrz(SAMPLE_TD3_PASSPORT, 1, 0, 'Z'); // document number changed, check digit not
    expect(parseMrz({ format: 'TD3', lines: passport }, SAMPLE_NOW)).toMatchObject({
      ok: false,
      reason: 'mrz-check-digit',
    });
  });

  it('refuses an unknown state code or an impossible date', () => {
    const state = td1({
      documentCode: 'ID',
      issuingState: 'QQQ',
      documentNumber: 'X1',
      surname: 'A',
      givenNames: 'B',
      nationality: 'QQQ',
      birthDate: '1990-01-01',
      sex: 'M',
      expiryDate: '2030-01-01',
    });
    expect(parseMrz({ format: 'TD1', lines: state }, SAMPLE_NOW)).toMatchObject({
      ok: false,
      reason: 'mrz-field',
      detail: 'issuingState,nationality',
    });
    const month13 = td1({
      documentCode: 'CI',
      issuingState: 'ITA',
      documentNumber: 'CA1',
      surname: 'A',
      givenNames: 'B',
      nationality: 'ITA',
      birthDate: '1990-13-01',
      sex: 'M',
      expiryDate: '2030-01-01',
    });
    expect(parseMrz({ format: 'TD1', lines: month13 }, SAMPLE_NOW)).toMatchObject({ ok: false, reason: 'mrz-field' });
  });

  it('refuses a frame the library does not take for the format the decoder saw', () => {
    expect(
      parseMrz({ format: 'TD1', lines: ['X'.repeat(30), 'Y'.repeat(30), 'Z'.repeat(30)] }, SAMPLE_NOW),
    ).toMatchObject({
      ok: false,
    });
  });

  it('reads the two-digit years of birth and expiry around the century', () => {
    const lines = td1({
      documentCode: 'CI',
      issuingState: 'ITA',
      documentNumber: 'CA00001AA',
      surname: 'NERI',
      givenNames: 'LUCA',
      nationality: 'ITA',
      birthDate: '2019-05-04',
      sex: 'M',
      expiryDate: '2029-05-04',
    });
    expect(parseMrz({ format: 'TD1', lines }, SAMPLE_NOW)).toMatchObject({
      ok: true,
      value: { birthDate: '2019-05-04', expiryDate: '2029-05-04' },
    });
    const old = td1({
      documentCode: 'CI',
      issuingState: 'ITA',
      documentNumber: 'CA00002AA',
      surname: 'NERI',
      givenNames: 'ADA',
      nationality: 'ITA',
      birthDate: '1930-05-04',
      sex: 'F',
      expiryDate: '2027-05-04',
    });
    expect(parseMrz({ format: 'TD1', lines: old }, SAMPLE_NOW)).toMatchObject({
      ok: true,
      value: { birthDate: '1930-05-04' },
    });
  });
});
