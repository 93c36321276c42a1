import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STANDARD_RECEIPT } from '../../tests/fixtures/hardware/printer/standard-receipt';
import { encodePrintLogo, encodeReceipt, encodeStoreLogo } from './encode';
import type { LogoBitmap } from './logo';
import type { Receipt } from './receipt';

const fixture = (name: string) =>
  readFileSync(new URL(`../../tests/fixtures/hardware/printer/${name}`, import.meta.url));

const ascii = (s: string) => [...Buffer.from(s, 'latin1')];

const SMALL: Receipt = {
  header: { comune: 'Comune', logo: true },
  title: 'T',
  lines: ['€ àèéìòù'],
  rows: [],
  qr: 'ABC',
  cut: true,
};

// prettier-ignore
const SMALL_BODY = (logo: number[], cut: number[]) => [
  0x1b, 0x40, // ESC @: initialise
  0x1b, 0x74, 0x13, // ESC t 19: character code table PC858
  0x1b, 0x61, 0x01, // ESC a 1: centre
  ...logo,
  0x1b, 0x45, 0x01, // ESC E 1: emphasised on
  ...ascii('Comune'), 0x0a, // text, LF
  0x0a, // LF: blank line
  0x1d, 0x21, 0x11, // GS ! 0x11: double width and height
  ...ascii('T'), 0x0a,
  0x1b, 0x45, 0x00, // ESC E 0: emphasised off
  0x1d, 0x21, 0x00, // GS ! 0: normal size
  ...ascii('-'.repeat(16)), 0x0a, // rule
  0x1b, 0x61, 0x00, // ESC a 0: left
  0xd5, 0x20, 0x85, 0x8a, 0x82, 0x8d, 0x95, 0x97, 0x0a, // "€ àèéìòù" in PC858, LF
  0x0a, // LF: blank line before the QR code
  0x1b, 0x61, 0x01, // ESC a 1: centre
  0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00, // GS ( k fn 65: QR model 2
  0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, 0x06, // GS ( k fn 67: module size 6 dots
  0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, 0x31, // GS ( k fn 69: error correction M
  0x1d, 0x28, 0x6b, 0x06, 0x00, 0x31, 0x50, 0x30, ...ascii('ABC'), // GS ( k fn 80: store "ABC"
  0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30, // GS ( k fn 81: print the stored symbol
  0x1b, 0x64, 0x04, // ESC d 4: print and feed 4 lines
  ...cut,
  0x1b, 0x40, // ESC @: back to defaults for whatever comes next
];

describe('encodeReceipt', () => {
  it('encodes a receipt for an EPSON printer byte for byte', () => {
    // prettier-ignore
    const logo = [0x1d, 0x28, 0x4c, 0x06, 0x00, 0x30, 0x45, 0x53, 0x4c, 0x01, 0x01]; // GS ( L fn 69: print NV graphics "SL"
    const cut = [0x1d, 0x56, 0x00]; // GS V 0: full cut
    expect([...encodeReceipt(SMALL, { model: 'EPSON', widthChars: 16 })]).toEqual(SMALL_BODY(logo, cut));
  });

  it('encodes the same receipt for a CUSTOM printer with its own logo and cut commands', () => {
    const logo = [0x1c, 0x70, 0x01, 0x00]; // FS p 1 0: print NV bit image 1
    const cut = [0x1b, 0x69]; // ESC i: cut
    expect([...encodeReceipt(SMALL, { model: 'CUSTOM', widthChars: 16 })]).toEqual(SMALL_BODY(logo, cut));
  });

  it('matches the standard receipt fixtures exactly', () => {
    expect(encodeReceipt(STANDARD_RECEIPT, { model: 'EPSON' })).toEqual(fixture('standard-receipt.epson.bin'));
    expect(encodeReceipt(STANDARD_RECEIPT, { model: 'CUSTOM' })).toEqual(fixture('standard-receipt.custom.bin'));
  });

  it('keeps the standard receipt within 1536 bytes', () => {
    expect(encodeReceipt(STANDARD_RECEIPT).length).toBeLessThanOrEqual(1536);
  });

  it('sends the QR code as GS ( k, never as a raster image', () => {
    const bytes = encodeReceipt(STANDARD_RECEIPT);
    const store = Buffer.from([0x1d, 0x28, 0x6b, STANDARD_RECEIPT.qr!.length + 3, 0x00, 0x31, 0x50, 0x30]);
    expect(bytes.includes(Buffer.concat([store, Buffer.from(STANDARD_RECEIPT.qr!)]))).toBe(true);
    expect(bytes.includes(Buffer.from([0x1d, 0x76, 0x30]))).toBe(false); // GS v 0: raster bit image
    expect(bytes.includes(Buffer.from([0x1b, 0x2a]))).toBe(false); // ESC *: bit image
  });

  it('selects PC858 once and never another code page, whatever the text holds', () => {
    const bytes = encodeReceipt({
      ...SMALL,
      title: 'Ricevuta — “prova”',
      lines: ['Emoji 😀 ‘curve’ – e…', 'Zwölf Łódź ŠKODA'],
      rows: [{ label: 'Importo', value: '€ 16,00' }],
    });
    const selects = [...bytes.keys()].filter((i) => bytes[i] === 0x1b && bytes[i + 1] === 0x74);
    expect(selects).toEqual([2]);
    expect(bytes[4]).toBe(19);
    expect(bytes.includes(Buffer.from('Ricevuta - "prova"', 'latin1'))).toBe(true);
    expect(bytes.includes(Buffer.from(`Emoji ? 'curve' - e...`, 'latin1'))).toBe(true);
    expect(bytes.includes(Buffer.from([0x5a, 0x77, 0x94, 0x6c, 0x66]))).toBe(true); // "Zwölf": ö = 0x94
    expect(bytes.includes(Buffer.from([0xd5, 0x20, 0x31, 0x36]))).toBe(true); // "€ 16": € = 0xD5
  });

  it('refuses a QR payload that is not printable ASCII', () => {
    expect(() => encodeReceipt({ ...SMALL, qr: 'città' })).toThrow(RangeError);
    expect(() => encodeReceipt({ ...SMALL, qr: '' })).toThrow(RangeError);
  });
});

describe('NV logo', () => {
  // 10 × 2 dots: a bar on the first row, a dot at each end of the second.
  const LOGO: LogoBitmap = { width: 10, height: 2, data: Uint8Array.of(0xff, 0xc0, 0x80, 0x40) };

  it('stores the logo in EPSON NV graphics memory under key "SL"', () => {
    // prettier-ignore
    expect([...encodeStoreLogo(LOGO, 'EPSON')]).toEqual([
      0x1d, 0x28, 0x4c, 0x0f, 0x00, // GS ( L pL pH: 15 parameter bytes (11 + 4 of data)
      0x30, 0x43, // m = 48, fn = 67: define NV graphics data, raster
      0x30, // a = 48: monochrome
      0x53, 0x4c, // kc1 kc2 = "SL"
      0x01, // b = 1 colour
      0x0a, 0x00, // width 10 dots
      0x02, 0x00, // height 2 dots
      0x31, // c = 49: colour 1
      0xff, 0xc0, 0x80, 0x40, // rows, MSB leftmost, padded to bytes
    ]);
  });

  it('stores the logo as CUSTOM NV bit image 1 in column format', () => {
    const bytes = [...encodeStoreLogo(LOGO, 'CUSTOM')];
    // prettier-ignore
    expect(bytes.slice(0, 7)).toEqual([
      0x1c, 0x71, 0x01, // FS q 1: define one NV bit image
      0x02, 0x00, // xL xH: 2 × 8 = 16 dots wide
      0x01, 0x00, // yL yH: 1 × 8 = 8 dots high
    ]);
    const columns = bytes.slice(7);
    expect(columns).toHaveLength(16);
    // Column 0: row 0 and row 1 black (0b1100_0000); columns 1–8: row 0 only; column 9: both rows; then blank.
    expect(columns).toEqual([0xc0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0xc0, 0, 0, 0, 0, 0, 0]);
  });

  it('prints the logo by reference, never by sending it again', () => {
    expect([...encodePrintLogo('EPSON')]).toEqual([0x1d, 0x28, 0x4c, 0x06, 0x00, 0x30, 0x45, 0x53, 0x4c, 0x01, 0x01]);
    expect([...encodePrintLogo('CUSTOM')]).toEqual([0x1c, 0x70, 0x01, 0x00]);
    const receipt = encodeReceipt(STANDARD_RECEIPT);
    expect(receipt.includes(Buffer.from(encodePrintLogo('EPSON')))).toBe(true);
    expect(receipt.includes(Buffer.from([0x1d, 0x28, 0x4c, 0x0f]))).toBe(false);
  });

  it('refuses a logo whose data does not match its size', () => {
    expect(() => encodeStoreLogo({ width: 10, height: 2, data: new Uint8Array(3) }, 'EPSON')).toThrow(RangeError);
  });
});
