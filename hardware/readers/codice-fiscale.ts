/**
 * The codice fiscale of a natural person, checked with its check character,
 * omocodia included (a digit position may carry one of L M N P Q R S T U V
 * instead of 0–9 when two people would otherwise share a code).
 *
 * Two independent checks must agree: codice-fiscale-js's `check` and our own
 * check-character computation below, which also refuses an impossible day
 * (the library's pattern accepts day 00 or 35). The library is loaded through
 * its CommonJS build, whose runtime export (`{ CodiceFiscale }`) differs from
 * its typings (`export default CodiceFiscale`); `library()` accepts both shapes.
 */
import * as codiceFiscaleModule from 'codice-fiscale-js';
import type CodiceFiscaleClass from 'codice-fiscale-js';

type CodiceFiscaleLibrary = typeof CodiceFiscaleClass;

function library(): CodiceFiscaleLibrary {
  const mod = codiceFiscaleModule as unknown as {
    CodiceFiscale?: CodiceFiscaleLibrary;
    default?: CodiceFiscaleLibrary | { CodiceFiscale?: CodiceFiscaleLibrary };
  };
  const fromDefault = mod.default && 'CodiceFiscale' in mod.default ? mod.default.CodiceFiscale : mod.default;
  const lib = mod.CodiceFiscale ?? (fromDefault as CodiceFiscaleLibrary | undefined);
  if (!lib || typeof lib.check !== 'function') throw new Error('codice-fiscale-js: CodiceFiscale.check not found');
  return lib;
}

const CodiceFiscale = library();

/** Sixteen characters shaped like a personal codice fiscale (omocodia letters allowed in digit positions). */
export const CODICE_FISCALE_SHAPE =
  /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;

/** Omocodia letters, in the order of the digits they stand for (L = 0 … V = 9). */
const OMOCODIA = 'LMNPQRSTUV';

/** Values of a character in an odd (1st, 3rd, …) position: digits 0–9, then letters A–Z. */
const ODD_DIGITS = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21];
const ODD_LETTERS = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

function charValue(code: number, odd: boolean): number | null {
  if (code >= 0x30 && code <= 0x39) {
    const d = code - 0x30;
    return odd ? (ODD_DIGITS[d] as number) : d;
  }
  if (code >= 0x41 && code <= 0x5a) {
    const l = code - 0x41;
    return odd ? (ODD_LETTERS[l] as number) : l;
  }
  return null;
}

/** The check character of the first 15 characters (upper case), or null if they hold anything but A–Z 0–9. */
export function codiceFiscaleCheckCharacter(first15: string): string | null {
  if (first15.length !== 15) return null;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const value = charValue(first15.charCodeAt(i), i % 2 === 0);
    if (value === null) return null;
    sum += value;
  }
  return String.fromCharCode(0x41 + (sum % 26));
}

/** The two-digit number at `start` with omocodia letters turned back into digits. */
function omocodiaNumber(cf: string, start: number): number {
  let n = 0;
  for (let i = start; i < start + 2; i++) {
    const c = cf.charAt(i);
    const omocodia = OMOCODIA.indexOf(c);
    n = n * 10 + (omocodia >= 0 ? omocodia : Number(c));
  }
  return n;
}

export type CodiceFiscaleReason = 'cf-malformed' | 'cf-check-char';

export type CodiceFiscaleCheck = { ok: true; codiceFiscale: string } | { ok: false; reason: CodiceFiscaleReason };

/** Checks a codice fiscale (case-insensitive, no spaces): its shape, its day of birth and its check character. */
export function checkCodiceFiscale(text: string): CodiceFiscaleCheck {
  const cf = text.toUpperCase();
  if (!CODICE_FISCALE_SHAPE.test(cf)) return { ok: false, reason: 'cf-malformed' };
  const day = omocodiaNumber(cf, 9);
  if (!((day >= 1 && day <= 31) || (day >= 41 && day <= 71))) return { ok: false, reason: 'cf-malformed' };
  const own = codiceFiscaleCheckCharacter(cf.slice(0, 15)) === cf.charAt(15);
  const lib = CodiceFiscale.check(cf);
  if (!own || !lib) return { ok: false, reason: 'cf-check-char' };
  return { ok: true, codiceFiscale: cf };
}

export function isCodiceFiscale(text: string): boolean {
  return checkCodiceFiscale(text).ok;
}

/** Whether a surname and given name give the first six characters of the code (consonants, then vowels, then X). */
export function namesMatchCodiceFiscale(codiceFiscale: string, surname: string, givenName: string): boolean {
  const cf = codiceFiscale.toUpperCase();
  return (
    CodiceFiscale.surnameCode(surname.toUpperCase()) === cf.slice(0, 3) &&
    CodiceFiscale.nameCode(givenName.toUpperCase()) === cf.slice(3, 6)
  );
}
