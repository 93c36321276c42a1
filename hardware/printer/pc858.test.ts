import fc from 'fast-check';
import { BreakLine, CharacterSet, PrinterTypes, ThermalPrinter } from 'node-thermal-printer';
import { describe, expect, it } from 'vitest';
import { PC858_HIGH, decodePc858Byte, encodePc858Char, isPc858Printable, toPc858Safe } from './pc858';

/** What node-thermal-printer sends for `text` once PC858 is selected (the ESC t 19 prefix removed). */
function libraryBytes(text: string): number[] {
  const printer = new ThermalPrinter({
    type: PrinterTypes.EPSON,
    interface: '',
    characterSet: CharacterSet.PC858_EURO,
    breakLine: BreakLine.NONE,
  });
  printer.print(text);
  return [...printer.getBuffer().subarray(3)];
}

describe('PC858 table', () => {
  it('puts € at 0xD5 and the Italian accented vowels where PC858 has them', () => {
    expect(encodePc858Char('€')).toBe(0xd5);
    expect(['à', 'è', 'é', 'ì', 'ò', 'ù'].map(encodePc858Char)).toEqual([0x85, 0x8a, 0x82, 0x8d, 0x95, 0x97]);
    expect(['À', 'È', 'É', 'Ì', 'Ò', 'Ù'].map(encodePc858Char)).toEqual([0xb7, 0xd4, 0x90, 0xde, 0xe3, 0xeb]);
    expect(decodePc858Byte(0xd5)).toBe('€');
  });

  it('agrees byte for byte with the encoder node-thermal-printer uses', () => {
    const chars = [...PC858_HIGH].filter((c) => c !== '\u00AD' && c !== '\u00A0');
    expect(libraryBytes(chars.join(''))).toEqual(chars.map((c) => encodePc858Char(c)));
  });

  it('has no printable form for control bytes', () => {
    expect(decodePc858Byte(0x1b)).toBeNull();
    expect(decodePc858Byte(0x7f)).toBeNull();
    expect(encodePc858Char('\u001b')).toBeNull();
  });
});

describe('toPc858Safe', () => {
  it('keeps € and accented letters as they are', () => {
    expect(toPc858Safe('Città: € 16,00 àèéìòù ÀÈÉÌÒÙ')).toBe('Città: € 16,00 àèéìòù ÀÈÉÌÒÙ');
  });

  it('composes accents typed as a letter plus a combining mark', () => {
    expect(toPc858Safe('perche\u0301')).toBe('perché');
  });

  it('replaces dashes, curly quotes, ellipsis and odd spaces with ASCII', () => {
    expect(toPc858Safe('a — b – c ‘d’ “e” f… g\u2009h')).toBe('a - b - c \'d\' "e" f... g h');
  });

  it('replaces an emoji, even a composed one, with a single question mark', () => {
    expect(toPc858Safe('ok 😀 👨‍👩‍👧 ❤️')).toBe('ok ? ? ?');
  });

  it('drops the accent PC858 lacks, and transliterates letters with no decomposition', () => {
    expect(toPc858Safe('Dvořák Łódź Œuvre')).toBe('Dvorák Lódz OEuvre');
  });

  it('removes control characters, so a stray ESC can never become a printer command', () => {
    expect(toPc858Safe('Mario\u001b@Rossi\u0007')).toBe('Mario@Rossi');
  });

  it('turns line breaks into spaces', () => {
    expect(toPc858Safe('uno\ndue\r\ntre')).toBe('uno due tre');
  });

  it('always returns text that exists in PC858 (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        expect(isPc858Printable(toPc858Safe(s))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('makes node-thermal-printer keep PC858 for any input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const safe = toPc858Safe(s);
        expect(libraryBytes(safe)).toEqual([...safe].map((c) => encodePc858Char(c)));
      }),
      { numRuns: 200 },
    );
  });
});
