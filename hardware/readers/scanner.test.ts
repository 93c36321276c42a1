import { describe, expect, it } from 'vitest';
import { generateReaderFixtures, loadReaderFixture } from '../../tests/fixtures/hardware/readers/fixtures';
import {
  SAMPLE_CF,
  SAMPLE_CF_OMOCODIC,
  SAMPLE_CREDITOR,
  SAMPLE_PAGOPA,
  SAMPLE_PICKUP_SECRET,
  SAMPLE_RECEIPT_QR,
  organizationFiscalCode,
  withWrongCheck,
} from '../../tests/fixtures/hardware/readers/samples';
import { isOrganizationFiscalCode, parsePagopaQr } from './pagopa';
import { formatReceiptQr, parseReceiptQr } from './receipt-qr';
import { classifyScan, createScannerDecoder } from './scanner';
import { bytewise, decodeAll, framesOf, reasonsOf, splitAt } from './test-helpers';

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('scanner decoder', () => {
  it('cuts lines at CR, LF and CR LF, skipping the empty line a CR LF would leave', () => {
    const out = decodeAll(createScannerDecoder(), [loadReaderFixture('scanner-mixed')]);
    expect(out).toEqual([
      { kind: 'frame', frame: SAMPLE_CF },
      { kind: 'frame', frame: SAMPLE_PAGOPA },
      { kind: 'frame', frame: SAMPLE_RECEIPT_QR },
      { kind: 'frame', frame: '9788804668237' },
    ]);
  });

  it('gives the same line whichever byte the chunk boundary falls on', () => {
    const fixture = loadReaderFixture('scanner-cf');
    for (let at = 0; at <= fixture.length; at++) {
      expect(framesOf(decodeAll(createScannerDecoder(), splitAt(fixture, at)))).toEqual([SAMPLE_CF]);
    }
    expect(framesOf(decodeAll(createScannerDecoder(), bytewise(fixture)))).toEqual([SAMPLE_CF]);
  });

  it('reports a line with a control byte as garbled and reads the next one', () => {
    const out = decodeAll(createScannerDecoder(), [loadReaderFixture('scanner-garbled-then-cf')]);
    expect(out).toEqual([
      { kind: 'unreadable', reason: 'garbled', detail: 'control byte in line' },
      { kind: 'frame', frame: SAMPLE_CF },
    ]);
  });

  it('decodes UTF-8 and reports bytes that are not UTF-8 as garbled', () => {
    expect(framesOf(decodeAll(createScannerDecoder(), [bytes('Citt\xc3\xa0\r\n')]))).toEqual(['Città']);
    expect(reasonsOf(decodeAll(createScannerDecoder(), [bytes('Citt\xe0\r\n')]))).toEqual(['garbled']);
  });

  it('reports an oversized line once, skips it to its end, and reads the next line', () => {
    const decoder = createScannerDecoder({ maxLineLength: 32 });
    const out = decodeAll(decoder, [bytes(`${'X'.repeat(100)}\r\n`), bytes(`${SAMPLE_CF}\r\n`)]);
    expect(reasonsOf(out)).toEqual(['oversized']);
    expect(framesOf(out)).toEqual([SAMPLE_CF]);
    expect(decoder.buffered).toBe(0);
  });

  it('never holds more than the maximum line length', () => {
    const decoder = createScannerDecoder({ maxLineLength: 512 });
    for (let i = 0; i < 10; i++) {
      decoder.feed(bytes('A'.repeat(300)), 0);
      expect(decoder.buffered).toBeLessThanOrEqual(512);
    }
  });

  it('gives up on a line without an end after the inter-byte timeout', () => {
    const decoder = createScannerDecoder({ interByteTimeoutMs: 100 });
    expect(decoder.feed(bytes(SAMPLE_CF), 1_000)).toEqual([]);
    expect(decoder.deadline()).toBe(1_100);
    expect(decoder.tick(1_099)).toEqual([]);
    expect(decoder.tick(1_100)).toEqual([
      { kind: 'unreadable', reason: 'truncated', detail: '16 bytes without a line end' },
    ]);
    expect(decoder.deadline()).toBeNull();
  });

  it('does not glue a stale half line to the next scan', () => {
    const decoder = createScannerDecoder({ interByteTimeoutMs: 100 });
    decoder.feed(bytes('RSSMR'), 0);
    const out = decoder.feed(bytes(`${SAMPLE_CF}\r\n`), 500);
    expect(out.map((o) => o.kind)).toEqual(['unreadable', 'frame']);
    expect(framesOf(out)).toEqual([SAMPLE_CF]);
  });

  it('takes a line ended by silence as a scan when the scanner sends no suffix', () => {
    const decoder = createScannerDecoder({ acceptUnterminated: true, interByteTimeoutMs: 50 });
    decoder.feed(bytes(SAMPLE_CF), 0);
    expect(decoder.tick(50)).toEqual([{ kind: 'frame', frame: SAMPLE_CF }]);
  });

  it('drops a half line on flush (the port went away)', () => {
    const decoder = createScannerDecoder();
    decoder.feed(bytes('RSS'), 0);
    expect(reasonsOf(decoder.flush())).toEqual(['truncated']);
    expect(decoder.buffered).toBe(0);
  });
});

describe('classifying a scan', () => {
  it('reads the Tessera Sanitaria barcode as a codice fiscale, omocodic ones included', () => {
    expect(classifyScan(SAMPLE_CF)).toEqual({ ok: true, value: { kind: 'codiceFiscale', codiceFiscale: SAMPLE_CF } });
    expect(classifyScan(SAMPLE_CF_OMOCODIC)).toEqual({
      ok: true,
      value: { kind: 'codiceFiscale', codiceFiscale: SAMPLE_CF_OMOCODIC },
    });
    expect(classifyScan(`*${SAMPLE_CF}*`)).toMatchObject({ ok: true, value: { kind: 'codiceFiscale' } });
  });

  it('refuses a codice fiscale with a wrong check character', () => {
    expect(classifyScan(withWrongCheck(SAMPLE_CF))).toEqual({ ok: false, reason: 'cf-check-char' });
  });

  it('reads the kiosk receipt QR', () => {
    expect(classifyScan(SAMPLE_RECEIPT_QR)).toEqual({
      ok: true,
      value: { kind: 'receiptQr', requestCode: 'K7-2026-000123', pickupSecret: SAMPLE_PICKUP_SECRET },
    });
  });

  it('reads a pagoPA notice QR', () => {
    expect(classifyScan(SAMPLE_PAGOPA)).toEqual({
      ok: true,
      value: {
        kind: 'pagopa',
        noticeNumber: '302000100000009424',
        creditorFiscalCode: SAMPLE_CREDITOR,
        amountCents: 12350,
      },
    });
  });

  it('calls anything else unknown', () => {
    expect(classifyScan('9788804668237')).toEqual({ ok: true, value: { kind: 'unknown', text: '9788804668237' } });
    expect(classifyScan('ABCDEF1234567890')).toMatchObject({ ok: true, value: { kind: 'unknown' } });
  });

  it('classifies the byte fixtures end to end', () => {
    const kinds = ['scanner-cf', 'scanner-cf-omocodic', 'scanner-receipt-qr', 'scanner-pagopa'].map((name) => {
      const [line] = framesOf(decodeAll(createScannerDecoder(), [loadReaderFixture(name)]));
      const result = classifyScan(line ?? '');
      return result.ok ? result.value.kind : result.reason;
    });
    expect(kinds).toEqual(['codiceFiscale', 'codiceFiscale', 'receiptQr', 'pagopa']);
    const [bad] = framesOf(decodeAll(createScannerDecoder(), [loadReaderFixture('scanner-cf-wrong-check')]));
    expect(classifyScan(bad ?? '')).toEqual({ ok: false, reason: 'cf-check-char' });
  });
});

describe('receipt QR', () => {
  it('round-trips with and without a pickup secret', () => {
    const text = formatReceiptQr({ requestCode: 'K7-2026-000123', pickupSecret: SAMPLE_PICKUP_SECRET });
    expect(text).toBe(SAMPLE_RECEIPT_QR);
    expect(parseReceiptQr(text)).toEqual({
      ok: true,
      value: { version: 1, requestCode: 'K7-2026-000123', pickupSecret: SAMPLE_PICKUP_SECRET },
    });
    expect(parseReceiptQr(formatReceiptQr({ requestCode: 'ABCD' }))).toEqual({
      ok: true,
      value: { version: 1, requestCode: 'ABCD', pickupSecret: null },
    });
  });

  it('names the part that is wrong', () => {
    expect(parseReceiptQr('SPORTELLO:2:ABCD')).toMatchObject({ ok: false, detail: 'version' });
    expect(parseReceiptQr('SPORTELLO:1:ab-cd')).toMatchObject({ ok: false, detail: 'request-code' });
    expect(parseReceiptQr('SPORTELLO:1:ABC')).toMatchObject({ ok: false, detail: 'request-code' });
    expect(parseReceiptQr('SPORTELLO:1:ABCD:short')).toMatchObject({ ok: false, detail: 'pickup-secret' });
    expect(parseReceiptQr('SPORTELLO:1:ABCD:x:y')).toMatchObject({ ok: false, detail: 'parts' });
    expect(classifyScan('SPORTELLO:1:A--B')).toMatchObject({ ok: false, reason: 'receipt-invalid' });
  });

  it('refuses to format a code or secret outside the format', () => {
    expect(() => formatReceiptQr({ requestCode: 'a b' })).toThrow();
    expect(() => formatReceiptQr({ requestCode: 'ABCD', pickupSecret: 'not base64!' })).toThrow();
  });
});

describe('pagoPA notice QR', () => {
  it('checks the creditor fiscal code with its check digit', () => {
    expect(isOrganizationFiscalCode(SAMPLE_CREDITOR)).toBe(true);
    expect(isOrganizationFiscalCode(organizationFiscalCode('8000155059'))).toBe(true);
    expect(isOrganizationFiscalCode(`${SAMPLE_CREDITOR.slice(0, 10)}${(Number(SAMPLE_CREDITOR[10]) + 1) % 10}`)).toBe(
      false,
    );
  });

  it('names the field that is wrong', () => {
    const notice = (n: string, cf: string, amount: string) => `PAGOPA|002|${n}|${cf}|${amount}`;
    expect(parsePagopaQr(notice('302000100000009424', SAMPLE_CREDITOR, '1'))).toMatchObject({ ok: true });
    expect(parsePagopaQr('PAGOPA|001|302000100000009424|00123456782|100')).toMatchObject({ detail: 'version' });
    expect(parsePagopaQr(notice('30200010000000942', SAMPLE_CREDITOR, '100'))).toMatchObject({
      detail: 'notice-number',
    });
    expect(parsePagopaQr(notice('402000100000009424', SAMPLE_CREDITOR, '100'))).toMatchObject({
      detail: 'notice-number',
    });
    expect(parsePagopaQr(notice('302000100000009424', '00123456781', '100'))).toMatchObject({
      detail: 'creditor-fiscal-code',
    });
    expect(parsePagopaQr(notice('302000100000009424', SAMPLE_CREDITOR, '0'))).toMatchObject({ detail: 'amount' });
    expect(parsePagopaQr(notice('302000100000009424', SAMPLE_CREDITOR, '12345678901'))).toMatchObject({
      detail: 'amount',
    });
    expect(parsePagopaQr(notice('302000100000009424', SAMPLE_CREDITOR, '12,50'))).toMatchObject({ detail: 'amount' });
    expect(parsePagopaQr('PAGOPA|002|302000100000009424')).toMatchObject({ detail: 'parts' });
    expect(classifyScan('PAGOPA|002|x')).toMatchObject({ ok: false, reason: 'pagopa-invalid' });
  });
});

describe('byte fixtures', () => {
  it('are what the generator in tests/fixtures makes', () => {
    for (const [name, data] of Object.entries(generateReaderFixtures())) {
      expect(loadReaderFixture(name).equals(data), `${name}.bin is stale: run make-fixtures.ts`).toBe(true);
    }
  });
});
