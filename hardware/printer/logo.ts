/**
 * The receipt logo as a 1-bit raster: rows top to bottom, each row padded to whole
 * bytes, most significant bit leftmost, 1 = black. It is sent once to the
 * printer's NV memory (see encode.ts) and printed by reference afterwards.
 */
import { PNG } from 'pngjs';

export type LogoBitmap = { width: number; height: number; data: Uint8Array };

/** A logo that fits one `GS ( L` store command and an 80 mm head (576 dots). */
export const LOGO_MAX_WIDTH = 576;
export const LOGO_MAX_HEIGHT = 480;

export function logoRowBytes(width: number): number {
  return Math.ceil(width / 8);
}

/** Throws when the bitmap is malformed or larger than the printer can keep. */
export function checkLogo(logo: LogoBitmap): void {
  if (!Number.isInteger(logo.width) || logo.width < 1 || logo.width > LOGO_MAX_WIDTH)
    throw new RangeError(`logo width must be 1..${LOGO_MAX_WIDTH} dots`);
  if (!Number.isInteger(logo.height) || logo.height < 1 || logo.height > LOGO_MAX_HEIGHT)
    throw new RangeError(`logo height must be 1..${LOGO_MAX_HEIGHT} dots`);
  if (logo.data.length !== logoRowBytes(logo.width) * logo.height)
    throw new RangeError('logo data length does not match its size');
}

export function logoPixel(logo: LogoBitmap, x: number, y: number): boolean {
  if (x < 0 || y < 0 || x >= logo.width || y >= logo.height) return false;
  const byte = logo.data[y * logoRowBytes(logo.width) + (x >> 3)] ?? 0;
  return (byte & (0x80 >> (x & 7))) !== 0;
}

/** Reads a PNG: a pixel is black when opaque and darker than `threshold` (luma 0..255). */
export function logoFromPng(png: Uint8Array, threshold = 128): LogoBitmap {
  const image = PNG.sync.read(Buffer.from(png));
  const rowBytes = logoRowBytes(image.width);
  const data = new Uint8Array(rowBytes * image.height);
  for (let y = 0; y < image.height; y += 1) {
    for (let x = 0; x < image.width; x += 1) {
      const i = (y * image.width + x) * 4;
      const [r, g, b, a] = [image.data[i] ?? 0, image.data[i + 1] ?? 0, image.data[i + 2] ?? 0, image.data[i + 3] ?? 0];
      const luma = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      const j = y * rowBytes + (x >> 3);
      if (a > 127 && luma < threshold) data[j] = (data[j] ?? 0) | (0x80 >> (x & 7));
    }
  }
  const logo = { width: image.width, height: image.height, data };
  checkLogo(logo);
  return logo;
}

/**
 * The same image in the column format of `FS q`: width and height rounded up to
 * multiples of 8, then column by column, each column top to bottom in bytes of 8
 * vertical dots (MSB on top).
 */
export function logoToColumns(logo: LogoBitmap): { xBytes: number; yBytes: number; data: Uint8Array } {
  const xBytes = Math.ceil(logo.width / 8);
  const yBytes = Math.ceil(logo.height / 8);
  const data = new Uint8Array(xBytes * 8 * yBytes);
  let i = 0;
  for (let x = 0; x < xBytes * 8; x += 1) {
    for (let yb = 0; yb < yBytes; yb += 1) {
      let byte = 0;
      for (let bit = 0; bit < 8; bit += 1) if (logoPixel(logo, x, yb * 8 + bit)) byte |= 0x80 >> bit;
      data[i] = byte;
      i += 1;
    }
  }
  return { xBytes, yBytes, data };
}

/** The inverse of logoToColumns, for the virtual printer's preview. */
export function logoFromColumns(xBytes: number, yBytes: number, columns: Uint8Array): LogoBitmap {
  const width = xBytes * 8;
  const height = yBytes * 8;
  const rowBytes = logoRowBytes(width);
  const data = new Uint8Array(rowBytes * height);
  for (let x = 0; x < width; x += 1) {
    for (let yb = 0; yb < yBytes; yb += 1) {
      const byte = columns[x * yBytes + yb] ?? 0;
      for (let bit = 0; bit < 8; bit += 1) {
        const j = (yb * 8 + bit) * rowBytes + (x >> 3);
        if (byte & (0x80 >> bit)) data[j] = (data[j] ?? 0) | (0x80 >> (x & 7));
      }
    }
  }
  return { width, height, data };
}
