import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { logoFromColumns, logoFromPng, logoPixel, logoToColumns } from './logo';

function png(width: number, height: number, black: (x: number, y: number) => boolean): Buffer {
  const image = new PNG({ width, height });
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 4;
      const v = black(x, y) ? 0 : 255;
      image.data[i] = v;
      image.data[i + 1] = v;
      image.data[i + 2] = v;
      image.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(image);
}

describe('logo bitmaps', () => {
  it('reads a PNG into a 1-bit raster, MSB leftmost', () => {
    const logo = logoFromPng(png(10, 2, (x, y) => y === 0 || x === 9));
    expect(logo.width).toBe(10);
    expect([...logo.data]).toEqual([0xff, 0xc0, 0x00, 0x40]);
  });

  it('treats transparent pixels as paper', () => {
    const image = new PNG({ width: 8, height: 1 }); // all zero: transparent black
    expect([...logoFromPng(PNG.sync.write(image)).data]).toEqual([0]);
  });

  it('converts to the FS q column format and back without losing a dot', () => {
    const logo = logoFromPng(png(13, 11, (x, y) => (x * 7 + y * 3) % 5 === 0));
    const { xBytes, yBytes, data } = logoToColumns(logo);
    const back = logoFromColumns(xBytes, yBytes, data);
    for (let y = 0; y < 16; y += 1)
      for (let x = 0; x < 16; x += 1) expect(logoPixel(back, x, y)).toBe(logoPixel(logo, x, y));
  });
});
