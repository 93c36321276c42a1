import { describe, expect, it } from 'vitest';
import type { Receipt } from './receipt';
import { layoutReceipt, wrap } from './receipt';

const BASE: Receipt = { header: { comune: 'Comune di Prova' }, title: 'Ricevuta', lines: [], rows: [], cut: true };

describe('wrap', () => {
  it('breaks at spaces and never exceeds the width', () => {
    expect(wrap('la richiesta è stata registrata', 12)).toEqual(['la richiesta', 'è stata', 'registrata']);
  });

  it('splits a word longer than a line', () => {
    expect(wrap('abcdefghij xy', 4)).toEqual(['abcd', 'efgh', 'ij', 'xy']);
  });

  it('keeps an empty line as one empty line', () => {
    expect(wrap('', 10)).toEqual(['']);
  });
});

describe('layoutReceipt', () => {
  it('lays out header, title, lines, rows, QR, footer and cut in that order', () => {
    const blocks = layoutReceipt(
      {
        ...BASE,
        header: { comune: 'Comune', logo: true },
        lines: ['uno'],
        rows: [{ label: 'A', value: 'B' }],
        qr: 'Q',
        footer: ['fine'],
      },
      16,
    );
    expect(blocks.map((b) => (b.kind === 'text' ? `${b.kind}:${b.text}` : b.kind))).toEqual([
      'logo',
      'text:Comune',
      'blank',
      'text:Ricevuta',
      'rule',
      'text:uno',
      'blank',
      `text:A${' '.repeat(14)}B`,
      'blank',
      'qr',
      'blank',
      'text:fine',
      'cut',
    ]);
  });

  it('prints the title double size, wrapped to half the width', () => {
    const blocks = layoutReceipt({ ...BASE, title: 'Certificato di residenza' }, 32);
    const title = blocks.filter((b) => b.kind === 'text' && b.size === 2).map((b) => (b.kind === 'text' ? b.text : ''));
    expect(title).toEqual(['Certificato di', 'residenza']);
  });

  it('puts a value that does not fit beside its label on its own line, right-aligned', () => {
    const blocks = layoutReceipt({ ...BASE, rows: [{ label: 'Indirizzo di residenza', value: 'Via Aurelia 1' }] }, 24);
    const texts = blocks.flatMap((b) => (b.kind === 'text' && b.size === 1 && !b.bold ? [b.text] : []));
    expect(texts).toEqual(['Indirizzo di residenza', '           Via Aurelia 1']);
  });

  it('makes every text PC858-safe', () => {
    const blocks = layoutReceipt({ ...BASE, lines: ['“Sì” — 😀'] }, 32);
    expect(blocks.some((b) => b.kind === 'text' && b.text === '"Sì" - ?')).toBe(true);
  });
});
