import { describe, expect, it } from 'vitest';
import type { ReceiptText } from '../../kiosk-shell/api/contract';
import { spellCode, speaksWithScreen, spokenReceiptLines } from './receipt-speech';

const PICKUP = 'ABCD 1234 EFGH 5678 JKMN 9PQR STVW XYZ0 1234 567';
const RECEIPT: ReceiptText = {
  locale: 'it',
  lines: [
    'Comune di Castelnuovo Magra',
    'Codice richiesta: 7KQ3-9MXD',
    'Codice di ritiro',
    PICKUP,
    'Conserva la ricevuta.',
  ],
  codes: ['7KQ3-9MXD', PICKUP],
  pickupCode: PICKUP,
};

describe('the receipt as spoken', () => {
  it('spells a code one character at a time, with a pause between its groups', () => {
    expect(spellCode('7KQ3-9MXD')).toBe('7 K Q 3, 9 M X D');
    expect(spellCode('AB12 CD')).toBe('A B 1 2, C D');
  });

  it('keeps every printed line and spells only its codes', () => {
    expect(spokenReceiptLines(RECEIPT)).toEqual([
      'Comune di Castelnuovo Magra',
      'Codice richiesta: 7 K Q 3, 9 M X D',
      'Codice di ritiro',
      spellCode(PICKUP),
      'Conserva la ricevuta.',
    ]);
  });

  it('spells a code that contains another as a whole', () => {
    const lines = spokenReceiptLines({ ...RECEIPT, lines: ['C240-7KQ3-9MXD'], codes: ['7KQ3-9MXD', 'C240-7KQ3-9MXD'] });
    expect(lines).toEqual(['C 2 4 0, 7 K Q 3, 9 M X D']);
  });

  it('is spoken with the screen only in the language it is printed in', () => {
    expect(speaksWithScreen(RECEIPT, 'it')).toBe(true);
    expect(speaksWithScreen({ ...RECEIPT, locale: 'en' }, 'ar')).toBe(false);
  });
});
