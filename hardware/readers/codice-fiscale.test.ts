import * as codiceFiscaleModule from 'codice-fiscale-js';
import { describe, expect, it } from 'vitest';
import {
  ANNA,
  MARIO,
  SAMPLE_CF,
  SAMPLE_CF_ANNA,
  SAMPLE_CF_OMOCODIC,
  SAMPLE_CF_OMOCODIC_ALL,
  codiceFiscaleOf,
  omocodic,
  withWrongCheck,
} from '../../tests/fixtures/hardware/readers/samples';
import {
  checkCodiceFiscale,
  codiceFiscaleCheckCharacter,
  isCodiceFiscale,
  namesMatchCodiceFiscale,
} from './codice-fiscale';
import { initials, maskCodiceFiscale, maskMiddle } from './mask';

const lib = (codiceFiscaleModule as unknown as { CodiceFiscale: { getOmocodie(cf: string): string[] } }).CodiceFiscale;

describe('codice fiscale', () => {
  it('accepts a code whose check character is right', () => {
    expect(checkCodiceFiscale(SAMPLE_CF)).toEqual({ ok: true, codiceFiscale: SAMPLE_CF });
    expect(isCodiceFiscale(SAMPLE_CF_ANNA)).toBe(true);
  });

  it('accepts lower case and answers upper case', () => {
    expect(checkCodiceFiscale(SAMPLE_CF.toLowerCase())).toEqual({ ok: true, codiceFiscale: SAMPLE_CF });
  });

  it('refuses a codice fiscale with a wrong check character', () => {
    expect(checkCodiceFiscale(withWrongCheck(SAMPLE_CF))).toEqual({ ok: false, reason: 'cf-check-char' });
  });

  it('accepts omocodic codes, from one substituted digit to all seven', () => {
    expect(SAMPLE_CF_OMOCODIC).toMatch(/^RSSMRA80A01E46P/);
    expect(isCodiceFiscale(SAMPLE_CF_OMOCODIC)).toBe(true);
    for (let n = 1; n <= 7; n++) expect(isCodiceFiscale(omocodic(SAMPLE_CF_ANNA, n))).toBe(true);
    expect(isCodiceFiscale(SAMPLE_CF_OMOCODIC_ALL)).toBe(true);
  });

  it('agrees with every omocodic variant codice-fiscale-js generates (127 per code)', () => {
    const variants = lib.getOmocodie(SAMPLE_CF);
    expect(variants).toHaveLength(127);
    for (const cf of variants) {
      expect(codiceFiscaleCheckCharacter(cf.slice(0, 15))).toBe(cf.charAt(15));
      expect(isCodiceFiscale(cf)).toBe(true);
    }
  });

  it('refuses an omocodic code whose check character was not recomputed', () => {
    const substituted = `${SAMPLE_CF.slice(0, 14)}P${SAMPLE_CF.charAt(15)}`; // 3 → P, old check character
    expect(checkCodiceFiscale(substituted)).toEqual({ ok: false, reason: 'cf-check-char' });
  });

  it('refuses a wrong shape, a letter that is not an omocodia letter, and an impossible day', () => {
    expect(checkCodiceFiscale('RSSMRA80A01E463')).toEqual({ ok: false, reason: 'cf-malformed' });
    expect(checkCodiceFiscale(`${SAMPLE_CF.slice(0, 14)}A${SAMPLE_CF.charAt(15)}`)).toEqual({
      ok: false,
      reason: 'cf-malformed',
    });
    // Day 35 passes the library's pattern; recompute the check character so only the day is wrong.
    const day35 = `RSSMRA80A35E463`;
    expect(checkCodiceFiscale(`${day35}${codiceFiscaleCheckCharacter(day35)}`)).toEqual({
      ok: false,
      reason: 'cf-malformed',
    });
    const day00 = `RSSMRA80A00E463`;
    expect(checkCodiceFiscale(`${day00}${codiceFiscaleCheckCharacter(day00)}`).ok).toBe(false);
  });

  it('reads days of women (41–71), omocodic ones included', () => {
    expect(SAMPLE_CF_ANNA.slice(9, 11)).toBe('52');
    expect(isCodiceFiscale(omocodic(SAMPLE_CF_ANNA, 5))).toBe(true); // day digits substituted too
  });

  it('tells whether surname and given name give the first six letters', () => {
    expect(namesMatchCodiceFiscale(codiceFiscaleOf(MARIO), 'ROSSI', 'MARIO')).toBe(true);
    expect(namesMatchCodiceFiscale(codiceFiscaleOf(ANNA), 'Bianchi', 'Anna Maria')).toBe(true);
    expect(namesMatchCodiceFiscale(codiceFiscaleOf(MARIO), 'VERDI', 'MARIO')).toBe(false);
  });
});

describe('masks', () => {
  it('keeps three letters and the last four characters of a codice fiscale', () => {
    expect(maskCodiceFiscale('RSSMRA80A01H562S')).toBe('RSS*********562S');
  });

  it('turns names into initials and stars the middle of a number', () => {
    expect(initials('ANNA MARIA')).toBe('A. M.');
    expect(initials("D'ANGELO")).toBe('D. A.');
    expect(initials('')).toBe('');
    expect(maskMiddle('CA12345AB', 2, 2)).toBe('CA*****AB');
    expect(maskMiddle('ABC', 2, 2)).toBe('***');
  });
});
