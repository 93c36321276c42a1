/**
 * What a virtual receipt looks like: plain text (with `[QR: payload]` and `[LOGO]`
 * markers) for tests and people, and an SVG image for the technician's eyes.
 */
import type { LogoBitmap } from '../printer/logo';
import { logoRowBytes } from '../printer/logo';
import { DOTS_PER_MM } from '../printer/paper';
import {
  PREVIEW_LINE_H as LINE_H,
  PREVIEW_PAD as PAD,
  alignX,
  escapeXml,
  previewGeometry,
  qrSide,
  round1 as r,
  svgDocument,
  svgText,
} from '../printer/preview';
import type { FinishedReceipt, PrintedElement } from './printer-engine';

/** The receipt as text, one printed line per line. */
export function receiptText(receipt: FinishedReceipt): string {
  const lines = receipt.elements.map(elementText);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (!receipt.complete) lines.push(`[INCOMPLETE: ${receipt.reason ?? 'stopped'}]`);
  return `${lines.join('\n')}\n`;
}

function elementText(element: PrintedElement): string {
  switch (element.kind) {
    case 'text':
      return element.text.trimEnd();
    case 'qr':
      return `[QR: ${element.payload ?? '(no data stored)'}]`;
    case 'logo':
      return element.logo ? '[LOGO]' : `[LOGO missing: ${element.key}]`;
    default:
      return unreachable(element);
  }
}

function unreachable(element: never): never {
  throw new Error(`unknown element ${JSON.stringify(element)}`);
}

function logoPath(logo: LogoBitmap): string {
  const rowBytes = logoRowBytes(logo.width);
  const parts: string[] = [];
  for (let y = 0; y < logo.height; y += 1) {
    let x = 0;
    while (x < logo.width) {
      const black = (x: number) => ((logo.data[y * rowBytes + (x >> 3)] ?? 0) & (0x80 >> (x & 7))) !== 0;
      if (!black(x)) {
        x += 1;
        continue;
      }
      const start = x;
      while (x < logo.width && black(x)) x += 1;
      parts.push(`M${start} ${y}h${x - start}v1h${start - x}z`);
    }
  }
  return parts.join('');
}

/** An SVG preview: monospace lines with their alignment and size, a box for each QR code, the logo bitmap. */
export function receiptSvg(receipt: FinishedReceipt, widthChars = 48): string {
  const { width, pxPerMm } = previewGeometry(widthChars);
  const body: string[] = [];
  let y = PAD;
  for (const element of receipt.elements) {
    if (element.kind === 'text') {
      const h = LINE_H * element.height;
      y += h;
      if (element.text.trim().length === 0) continue;
      body.push(
        svgText(element.text, {
          x: alignX(element.align, width),
          y: y - 5,
          align: element.align,
          height: element.height,
          width: element.width,
          bold: element.bold,
          underline: element.underline,
        }),
      );
    } else if (element.kind === 'qr') {
      const payload = element.payload ?? '(no data stored)';
      const side = qrSide(payload.length, pxPerMm);
      const left =
        element.align === 'center' ? (width - side) / 2 : element.align === 'right' ? width - PAD - side : PAD;
      body.push(
        `<rect x="${r(left)}" y="${r(y + 4)}" width="${r(side)}" height="${r(side)}" fill="none" stroke="#000" stroke-width="3">` +
          `<title>QR: ${escapeXml(payload)}</title></rect>`,
      );
      const perLine = Math.max(4, Math.floor((side - 8) / 6));
      const chunks = payload.match(new RegExp(`.{1,${perLine}}`, 'g')) ?? [];
      body.push(`<text x="${r(left + side / 2)}" y="${r(y + 18)}" font-size="10" text-anchor="middle">QR</text>`);
      chunks.slice(0, Math.floor((side - 24) / 12)).forEach((chunk, k) => {
        body.push(`<text x="${r(left + 4)}" y="${r(y + 34 + k * 12)}" font-size="10">${escapeXml(chunk)}</text>`);
      });
      y += side + 8;
    } else {
      const scale = pxPerMm / DOTS_PER_MM;
      const w = (element.logo?.width ?? 240) * scale;
      const h = (element.logo?.height ?? 80) * scale;
      const left = element.align === 'center' ? (width - w) / 2 : element.align === 'right' ? width - PAD - w : PAD;
      if (element.logo) {
        body.push(`<path transform="translate(${r(left)} ${r(y)}) scale(${scale})" d="${logoPath(element.logo)}"/>`);
      } else {
        body.push(
          `<rect x="${r(left)}" y="${r(y)}" width="${r(w)}" height="${r(h)}" fill="none" stroke="#000" stroke-dasharray="4"/>`,
        );
        body.push(
          `<text x="${r(width / 2)}" y="${r(y + h / 2)}" font-size="12" text-anchor="middle">[LOGO missing]</text>`,
        );
      }
      y += h;
    }
  }
  if (!receipt.complete) {
    y += LINE_H;
    body.push(
      `<text x="${PAD}" y="${r(y)}" font-size="12" fill="#b00">[INCOMPLETE: ${escapeXml(receipt.reason ?? 'stopped')}]</text>`,
    );
  }
  return svgDocument(width, y + PAD, body);
}
