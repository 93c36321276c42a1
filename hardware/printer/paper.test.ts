import { describe, expect, it } from 'vitest';
import { STANDARD_RECEIPT } from '../../tests/fixtures/hardware/printer/standard-receipt';
import { LINE_MM, PaperCounter, estimateReceiptMm, qrModules } from './paper';
import { layoutReceipt } from './receipt';

describe('estimateReceiptMm', () => {
  it('counts lines, the double-height title, the logo, the QR symbol and the feed before the cut', () => {
    const blocks = layoutReceipt({ header: { comune: 'C' }, title: 'T', lines: ['a', 'b'], rows: [], cut: true }, 48);
    // comune + blank + title (×2) + rule + 2 lines + cut feed (4 lines)
    expect(estimateReceiptMm(blocks)).toBeCloseTo((1 + 1 + 2 + 1 + 2 + 4) * LINE_MM, 1);
    const withLogo = layoutReceipt({ header: { comune: 'C', logo: true }, title: 'T', lines: [], rows: [], cut: true });
    const without = layoutReceipt({ header: { comune: 'C' }, title: 'T', lines: [], rows: [], cut: true });
    expect(estimateReceiptMm(withLogo, { logoHeightDots: 96 }) - estimateReceiptMm(without)).toBeCloseTo(12, 1);
  });

  it('sizes the QR symbol by its version: 51 characters need version 4 (33 modules) at 6 dots each', () => {
    expect(qrModules(14)).toBe(21);
    expect(qrModules(51)).toBe(33);
    expect(qrModules(213)).toBe(57);
    const qr = layoutReceipt({
      header: { comune: 'C' },
      title: 'T',
      lines: [],
      rows: [],
      qr: 'x'.repeat(51),
      cut: true,
    });
    const plain = layoutReceipt({ header: { comune: 'C' }, title: 'T', lines: [], rows: [], cut: true });
    // the QR block (33 × 6 / 8 = 24.75 mm) plus the blank line before it
    expect(estimateReceiptMm(qr) - estimateReceiptMm(plain)).toBeCloseTo(24.75 + LINE_MM, 0);
  });

  it('puts the standard receipt at about 15 cm', () => {
    const mm = estimateReceiptMm(layoutReceipt(STANDARD_RECEIPT));
    expect(mm).toBeGreaterThan(120);
    expect(mm).toBeLessThan(200);
  });
});

describe('PaperCounter', () => {
  it('subtracts each receipt from the roll and estimates the receipts left at the average length', () => {
    const counter = new PaperCounter({ rollLengthMm: 1000 });
    expect(counter.usage().remainingReceipts).toBe(8); // 1000 / the typical 120 mm until something is counted
    counter.add(100);
    counter.add(150);
    expect(counter.usage()).toEqual({
      rollLengthMm: 1000,
      usedMm: 250,
      remainingMm: 750,
      receipts: 2,
      remainingReceipts: 6,
    });
  });

  it('starts again when the roll is replaced', () => {
    const counter = new PaperCounter({ rollLengthMm: 80_000, usedMm: 79_990, receipts: 500 });
    expect(counter.usage().remainingMm).toBe(10);
    counter.replaced();
    expect(counter.usage()).toMatchObject({ usedMm: 0, remainingMm: 80_000, receipts: 0 });
  });

  it('never reports less than nothing left', () => {
    const counter = new PaperCounter({ rollLengthMm: 100 });
    counter.add(150);
    expect(counter.usage()).toMatchObject({ remainingMm: 0, remainingReceipts: 0 });
  });
});
