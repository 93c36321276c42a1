import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STANDARD_RECEIPT } from '../../tests/fixtures/hardware/printer/standard-receipt';
import { encodeReceipt, encodeStoreLogo } from '../printer/encode';
import { STATUS_QUERY_ALL } from '../printer/status';
import type { FinishedReceipt } from './printer-engine';
import { PrinterEngine } from './printer-engine';
import type { EscPosEvent } from './printer-interpreter';
import { EscPosInterpreter, MAX_COMMAND_BYTES } from './printer-interpreter';
import { receiptText } from './printer-preview';

/** Feeds `chunks` through a fresh interpreter and engine; returns the receipts' text. */
function print(chunks: Uint8Array[]): string[] {
  const receipts: FinishedReceipt[] = [];
  const engine = new PrinterEngine({ onReceipt: (r) => receipts.push(r) });
  const interpreter = new EscPosInterpreter();
  for (const chunk of chunks) for (const event of interpreter.feed(chunk)) engine.apply(event);
  return receipts.map(receiptText);
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  return out;
}

const types = (events: EscPosEvent[]) => events.map((e) => e.type);

describe('EscPosInterpreter', () => {
  it('reads back the standard receipt: text in PC858, the logo reference, the QR payload', () => {
    const [text] = print([encodeReceipt(STANDARD_RECEIPT)]);
    expect(text).toBe(
      [
        '[LOGO missing: SL]',
        'Comune di Castelnuovo Magra',
        '',
        'Ricevuta di',
        'presentazione',
        '-'.repeat(48),
        ...STANDARD_RECEIPT.lines,
        '',
        `Codice ricevuta${' '.repeat(26)}K7-2Q9F`,
        `Data${' '.repeat(28)}14/03/2025 10:42`,
        `Ufficio${' '.repeat(33)}Anagrafe`,
        '',
        '[QR: https://sportello.castelnuovomagra.example/r/K72Q9F]',
        '',
        'Ufficio anagrafe: lun-ven 9-12, tel. 0187 000000',
        'Grazie e buona giornata',
        '',
      ].join('\n'),
    );
  });

  it('reads the CUSTOM encoding to the same receipt, logo and cut included', () => {
    const logo = { width: 16, height: 8, data: new Uint8Array(16).fill(0xaa) };
    const epson = print([encodeStoreLogo(logo, 'EPSON'), encodeReceipt(STANDARD_RECEIPT, { model: 'EPSON' })]);
    const custom = print([encodeStoreLogo(logo, 'CUSTOM'), encodeReceipt(STANDARD_RECEIPT, { model: 'CUSTOM' })]);
    expect(epson[0]!.startsWith('[LOGO]\n')).toBe(true);
    expect(custom).toEqual(epson);
  });

  it('gives the same receipt however the bytes are split into chunks (property)', () => {
    const bytes = encodeReceipt(STANDARD_RECEIPT);
    const whole = print([bytes]);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        expect(print(splitAt(bytes, cuts))).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('reads every byte on its own, one at a time', () => {
    const bytes = encodeReceipt(STANDARD_RECEIPT);
    expect(print([...bytes].map((b) => Uint8Array.of(b)))).toEqual(print([bytes]));
  });

  it('recognises the status queries between receipts', () => {
    const interpreter = new EscPosInterpreter();
    const events = interpreter.feed(Buffer.concat([STATUS_QUERY_ALL, Buffer.from([0x1d, 0x72, 0x01])]));
    expect(events.map((e) => (e.type === 'realtime-status' ? `DLE EOT ${e.n}` : e.type))).toEqual([
      'DLE EOT 1',
      'DLE EOT 2',
      'DLE EOT 3',
      'DLE EOT 4',
      'paper-status',
    ]);
  });

  it('skips a command it does not act on whole, never printing its data as text', () => {
    // GS v 0: a 2 × 3 raster image whose data happens to be printable ASCII
    const raster = Uint8Array.of(0x1d, 0x76, 0x30, 0x00, 0x02, 0x00, 0x03, 0x00, ...Buffer.from('ABCDEF'), 0x0a);
    expect(types(new EscPosInterpreter().feed(raster))).toEqual(['ignored', 'lf']);
  });

  it('does not take a DLE EOT inside a QR payload for a status query', () => {
    const payload = [0x10, 0x04, 0x01];
    const store = Uint8Array.of(0x1d, 0x28, 0x6b, payload.length + 3, 0x00, 0x31, 0x50, 0x30, ...payload);
    expect(types(new EscPosInterpreter().feed(store))).toEqual(['qr-store']);
  });

  it('skips an oversized command without keeping it, and reads what follows', () => {
    const interpreter = new EscPosInterpreter();
    const huge = 200_000; // GS v 0 with 1000 × 200 bytes of image
    const head = Uint8Array.of(0x1d, 0x76, 0x30, 0x00, 0xe8, 0x03, 0xc8, 0x00);
    expect(types(interpreter.feed(head))).toEqual(['dropped']);
    for (let sent = 0; sent < huge; sent += 4096) {
      expect(interpreter.feed(new Uint8Array(Math.min(4096, huge - sent)).fill(0x41))).toEqual([]);
      expect(interpreter.bufferedBytes()).toBe(0);
    }
    expect(types(interpreter.feed(Buffer.from('ok\n')))).toEqual(['text', 'lf']);
  });

  it('decodes text as PC858 only after ESC t 19, and flags anything else', () => {
    const interpreter = new EscPosInterpreter();
    const before = interpreter.feed(Uint8Array.of(0xd5));
    const after = interpreter.feed(Uint8Array.of(0x1b, 0x74, 0x13, 0xd5));
    expect(before).toMatchObject([{ type: 'text', text: '\uFFFD' }]);
    expect(after).toMatchObject([
      { type: 'codepage', page: 19 },
      { type: 'text', text: '€' },
    ]);
  });

  it('never throws and never holds more than MAX_COMMAND_BYTES, whatever it is fed (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }), (chunks) => {
        const interpreter = new EscPosInterpreter();
        for (const chunk of chunks) {
          interpreter.feed(chunk);
          expect(interpreter.bufferedBytes()).toBeLessThanOrEqual(MAX_COMMAND_BYTES);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('survives random command prefixes with huge lengths (property)', () => {
    const prefixes = [
      [0x1d, 0x28, 0x6b],
      [0x1d, 0x28, 0x4c],
      [0x1d, 0x38, 0x4c],
      [0x1c, 0x71],
      [0x1d, 0x76, 0x30],
      [0x1b, 0x2a],
      [0x1b, 0x26],
      [0x1d, 0x6b],
      [0x1b, 0x44],
    ];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 12 })), { maxLength: 20 }),
        (parts) => {
          const interpreter = new EscPosInterpreter();
          const engine = new PrinterEngine({ onReceipt: () => undefined });
          for (const [prefix, rest] of parts) {
            for (const event of interpreter.feed(Uint8Array.from([...prefix, ...rest]))) engine.apply(event);
            expect(interpreter.bufferedBytes()).toBeLessThanOrEqual(MAX_COMMAND_BYTES);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('prints a truncated receipt as far as it goes, without throwing (property)', () => {
    const bytes = encodeReceipt(STANDARD_RECEIPT);
    fc.assert(
      fc.property(fc.nat({ max: bytes.length }), (n) => {
        const receipts: FinishedReceipt[] = [];
        const engine = new PrinterEngine({ onReceipt: (r) => receipts.push(r) });
        const interpreter = new EscPosInterpreter();
        for (const event of interpreter.feed(bytes.subarray(0, n))) engine.apply(event);
        engine.interrupt('unplugged');
        expect(receipts.every((r) => !r.complete || n >= bytes.length - 2)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
