import { describe, expect, it } from 'vitest';
import { hiddenParts, layoutSvg } from './preview';
import type { Receipt } from './receipt';
import { layoutReceiptParts } from './receipt';

const SECRET = 'q8Zr3vT0yWm1Kx5aBc7dEf9gHi2jKl4M';
const REQUEST: Receipt = {
  header: { comune: 'Comune di Castelnuovo Magra' },
  title: 'Certificato di residenza',
  lines: ['Il certificato sarà pronto qui.'],
  rows: [{ label: 'Codice ricevuta', value: '7KQ3-9MXD' }],
  qr: `SPORTELLO:1:7KQ3-9MXD:${SECRET}`,
  footer: ['Codice di ritiro', 'ABCD EFGH JKMN PQRS TVWX YZ01 2345 6789 ABC', 'Conserva la ricevuta'],
  cut: true,
};
const DOCUMENT: Receipt = {
  header: { comune: 'Comune di Castelnuovo Magra' },
  title: 'Certificato di residenza',
  lines: ['Si certifica che ROSSI MARIO risiede in Via Aurelia 12.'],
  rows: [{ label: 'Codice di verifica', value: 'V7-XY12' }],
  qr: 'https://comune.example/verifica/V7-XY12',
  footer: ['Verifica su https://comune.example/verifica/V7-XY12'],
  cut: true,
};

describe('receipt previews', () => {
  it('draws a request receipt with its QR as an empty box and its pickup code hidden', () => {
    const svg = layoutSvg(layoutReceiptParts(REQUEST), 'request', 48);
    expect(svg).toMatch(/^<svg xmlns/);
    expect(svg).toContain('Certificato\u00A0di\u00A0residenza');
    expect(svg).toContain('7KQ3-9MXD');
    expect(svg).not.toContain(SECRET);
    expect(svg).not.toContain('SPORTELLO:1');
    expect(svg).not.toContain('EFGH');
    expect(svg).toContain('>QR</text>');
  });

  it('shows only the header and title of a collected document', () => {
    const svg = layoutSvg(layoutReceiptParts(DOCUMENT), 'document', 48);
    expect(svg).toContain('Certificato\u00A0di\u00A0residenza');
    for (const hidden of ['ROSSI', 'Aurelia', 'V7-XY12', 'verifica']) expect(svg).not.toContain(hidden);
    // The hidden lines keep their place on the roll, as grey bars.
    expect(svg.match(/fill="#999"/g)?.length).toBeGreaterThanOrEqual(3);
  });

  it('shows a test print in full but its QR', () => {
    expect(hiddenParts('test').size).toBe(0);
    const svg = layoutSvg(layoutReceiptParts({ ...REQUEST, footer: ['fine'], qr: 'SPORTELLO:TEST' }), 'test', 32);
    expect(svg).toContain('fine');
    expect(svg).not.toContain('SPORTELLO:TEST');
  });

  it('escapes what it writes', () => {
    const svg = layoutSvg(layoutReceiptParts({ ...REQUEST, title: '<b>&' }), 'test', 48);
    expect(svg).toContain('&#60;b&#62;&#38;');
  });
});
