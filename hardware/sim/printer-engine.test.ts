import { describe, expect, it } from 'vitest';
import { encodeReceipt } from '../printer/encode';
import type { Receipt } from '../printer/receipt';
import { decodeStatus, statusProblem } from '../printer/status';
import type { FinishedReceipt } from './printer-engine';
import { MAX_ELEMENTS, PrinterEngine } from './printer-engine';
import { EscPosInterpreter } from './printer-interpreter';
import { receiptSvg, receiptText } from './printer-preview';

const RECEIPT: Receipt = {
  header: { comune: 'Comune di Prova' },
  title: 'Ricevuta',
  lines: ['uno', 'due', 'tre', 'quattro'],
  rows: [{ label: 'Totale', value: '€ 16,00' }],
  qr: 'https://example.test/r/1',
  cut: true,
};

function rig() {
  const receipts: FinishedReceipt[] = [];
  const engine = new PrinterEngine({ onReceipt: (r) => receipts.push(r) });
  const interpreter = new EscPosInterpreter();
  const feed = (bytes: Uint8Array) => interpreter.feed(bytes).map((e) => engine.apply(e));
  const status = () => decodeStatus([1, 2, 3, 4].map((n) => engine.realtimeAnswer(n) ?? 0));
  return { engine, receipts, feed, status };
}

describe('PrinterEngine', () => {
  it('answers DLE EOT from its state', () => {
    const { engine, status } = rig();
    expect(statusProblem(status()!)).toBeNull();
    engine.setPaper('near-end');
    expect(status()).toMatchObject({ paperNearEnd: true, paperOut: false, online: true });
    engine.setPaper('out');
    expect(statusProblem(status()!)).toBe('PAPER_OUT');
    engine.setPaper('ok');
    engine.setCover('open');
    expect(statusProblem(status()!)).toBe('COVER_OPEN');
    engine.setCover('closed');
    engine.setError('unrecoverable');
    expect(statusProblem(status()!)).toBe('DEVICE_ERROR');
  });

  it('answers nothing at all while offline', () => {
    const { engine, feed } = rig();
    engine.setOnline(false);
    expect([1, 2, 3, 4].map((n) => engine.realtimeAnswer(n))).toEqual([null, null, null, null]);
    expect(feed(Uint8Array.of(0x1d, 0x72, 0x01))).toEqual([null]);
  });

  it('confirms a receipt with the GS r 1 answer once it has printed it', () => {
    const { feed, receipts } = rig();
    const answers = feed(Buffer.concat([encodeReceipt(RECEIPT), Buffer.from([0x1d, 0x72, 0x01])]));
    expect(answers.filter((a) => a !== null)).toEqual([0x00]);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]!.complete).toBe(true);
  });

  it('stops when the roll runs out mid-receipt: the rest is dropped and nothing is confirmed', () => {
    const { engine, feed, receipts } = rig();
    engine.setPaper('out', 3);
    const answers = feed(Buffer.concat([encodeReceipt(RECEIPT), Buffer.from([0x1d, 0x72, 0x01])]));
    expect(answers.filter((a) => a !== null)).toEqual([]);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]!.complete).toBe(false);
    expect(receiptText(receipts[0]!)).toBe('Comune di Prova\n\nRicevuta\n[INCOMPLETE: paper out]\n');
    expect(engine.paper).toBe('out');
  });

  it('keeps the raw bytes of a receipt, from its ESC @ to its cut', () => {
    const { feed, receipts } = rig();
    const bytes = encodeReceipt(RECEIPT);
    feed(Buffer.concat([Uint8Array.of(0x10, 0x04, 0x01), bytes, bytes]));
    expect(receipts).toHaveLength(2);
    for (const r of receipts) expect(Buffer.from(r.raw)).toEqual(bytes.subarray(0, bytes.length - 2)); // ESC @ after the cut starts the next
  });

  it('wraps a line longer than the paper, as a printer does', () => {
    const { feed, receipts } = rig();
    feed(Buffer.concat([Buffer.from('x'.repeat(50) + '\n'), Uint8Array.of(0x1d, 0x56, 0x00)]));
    expect(receiptText(receipts[0]!)).toBe(`${'x'.repeat(48)}\nxx\n`);
  });

  it('keeps no more than MAX_ELEMENTS lines of a receipt that is never cut', () => {
    const { engine, feed, receipts } = rig();
    for (let i = 0; i < MAX_ELEMENTS / 1000 + 1; i += 1) feed(new Uint8Array(1000).fill(0x0a));
    engine.interrupt('unplugged');
    expect(receipts[0]!.elements).toHaveLength(MAX_ELEMENTS);
  });
});

describe('receipt preview', () => {
  it('draws text lines, bold and double size, and a box holding the QR payload', () => {
    const { feed, receipts } = rig();
    feed(encodeReceipt({ ...RECEIPT, lines: ['<tag> & "quote"'] }));
    const svg = receiptSvg(receipts[0]!);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('font-weight="bold"');
    expect(svg).toContain('font-size="32"');
    expect(svg).toContain('&#60;tag&#62;\u00A0&#38;\u00A0&#34;quote&#34;'); // spaces kept as no-break spaces
    expect(svg).toContain('<rect');
    expect(svg).toContain('<title>QR: https://example.test/r/1</title>');
  });

  it('draws a stored logo from its bitmap', () => {
    const { feed, receipts } = rig();
    feed(
      Uint8Array.of(
        0x1d,
        0x28,
        0x4c,
        0x0c,
        0x00,
        0x30,
        0x43,
        0x30,
        0x53,
        0x4c,
        0x01,
        0x08,
        0x00,
        0x01,
        0x00,
        0x31,
        0xf0,
      ),
    );
    feed(encodeReceipt({ ...RECEIPT, header: { comune: 'C', logo: true } }));
    expect(receiptText(receipts[0]!).startsWith('[LOGO]\n')).toBe(true);
    expect(receiptSvg(receipts[0]!)).toContain('d="M0 0h4v1h-4z"');
  });
});
