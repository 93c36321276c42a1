/**
 * Receipt previews as SVG images, drawn from the same layout the printer's
 * bytes are encoded from (./receipt.ts). The drawing primitives are shared with
 * the virtual printer's preview (hardware/sim/printer-preview.ts), which draws
 * what its interpreter read back from those bytes.
 *
 * The runtime keeps the last few previews in memory for the technician, so a
 * preview never shows what a receipt carries for its owner only: a QR code is
 * always drawn as an empty placeholder box (a request's QR carries the pickup
 * secret), a request's footer (the pickup code) is drawn as hidden, and a
 * collected document shows its header and title only.
 */
import { QR_CELL_SIZE } from './encode';
import { DOTS_PER_MM, qrModules } from './paper';
import type { Align, PartBlock, ReceiptPart } from './receipt';

/** What a print was: decides which parts its preview hides. */
export type PreviewKind = 'test' | 'request' | 'document';

export const PREVIEW_FONT = 16;
export const PREVIEW_CHAR_W = PREVIEW_FONT * 0.6;
export const PREVIEW_LINE_H = 20;
export const PREVIEW_PAD = 16;

/** Coordinates to one decimal, to keep the file readable. */
export const round1 = (n: number) => Math.round(n * 10) / 10;

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Pixel width of a roll `widthChars` columns wide, and pixels per millimetre (48 columns of font A cover 72 mm). */
export function previewGeometry(widthChars: number): { width: number; pxPerMm: number } {
  return { width: widthChars * PREVIEW_CHAR_W + 2 * PREVIEW_PAD, pxPerMm: (widthChars * PREVIEW_CHAR_W) / 72 };
}

export function alignX(align: Align, width: number): number {
  return align === 'center' ? width / 2 : align === 'right' ? width - PREVIEW_PAD : PREVIEW_PAD;
}

export function textAnchor(align: Align): string {
  return align === 'center' ? 'middle' : align === 'right' ? 'end' : 'start';
}

/** One printed line of text, baseline at `y`. */
export function svgText(
  text: string,
  o: { x: number; y: number; align: Align; height: number; width: number; bold: boolean; underline?: boolean },
): string {
  const trimmed = text.replace(/ +$/, ''); // runs of spaces are kept as no-break spaces: SVG collapses plain ones
  const weight = o.bold ? ' font-weight="bold"' : '';
  const deco = o.underline ? ' text-decoration="underline"' : '';
  return (
    `<text x="${round1(o.x)}" y="${round1(o.y)}" font-size="${PREVIEW_FONT * o.height}" text-anchor="${textAnchor(o.align)}"` +
    ` textLength="${round1(trimmed.length * PREVIEW_CHAR_W * o.width)}" lengthAdjust="spacingAndGlyphs"${weight}${deco}>${escapeXml(trimmed).replace(/ /g, '\u00A0')}</text>`
  );
}

/** The side in pixels of the QR symbol a payload of this length prints as. */
export function qrSide(payloadLength: number, pxPerMm: number): number {
  return Math.max(60, ((qrModules(payloadLength) * QR_CELL_SIZE) / DOTS_PER_MM) * pxPerMm);
}

/** A QR code's place on the roll, without its content. */
export function svgQrPlaceholder(left: number, top: number, side: number): string {
  return (
    `<rect x="${round1(left)}" y="${round1(top)}" width="${round1(side)}" height="${round1(side)}" fill="#eee" stroke="#000" stroke-width="3" stroke-dasharray="6 4"/>` +
    `<text x="${round1(left + side / 2)}" y="${round1(top + side / 2 + 5)}" font-size="14" text-anchor="middle">QR</text>`
  );
}

/** A line whose text is hidden: a grey bar as long as the text was. */
export function svgHiddenLine(o: { x: number; y: number; align: Align; length: number; height: number }): string {
  const w = Math.max(PREVIEW_CHAR_W * 4, o.length * PREVIEW_CHAR_W);
  const h = PREVIEW_LINE_H * o.height - 8;
  const left = o.align === 'center' ? o.x - w / 2 : o.align === 'right' ? o.x - w : o.x;
  return `<rect x="${round1(left)}" y="${round1(o.y - h)}" width="${round1(w)}" height="${round1(h)}" fill="#999"/>`;
}

export function svgDocument(width: number, height: number, body: readonly string[]): string {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="DejaVu Sans Mono, monospace">\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n${body.join('\n')}\n</svg>\n`
  );
}

/** The parts whose text a preview of this kind of print hides. */
export function hiddenParts(kind: PreviewKind): ReadonlySet<ReceiptPart> {
  switch (kind) {
    case 'test':
      return new Set();
    case 'request':
      return new Set(['footer']); // the pickup code, typeable: the pickup secret again
    case 'document':
      return new Set(['lines', 'rows', 'footer']); // personal data, and codes that reach it
    default:
      return unreachable(kind);
  }
}

function unreachable(kind: never): never {
  throw new Error(`unknown preview kind ${String(kind)}`);
}

/** The SVG preview of a laid-out receipt, masked for `kind` (see the file comment). */
export function layoutSvg(parts: readonly PartBlock[], kind: PreviewKind, widthChars: number): string {
  const { width, pxPerMm } = previewGeometry(widthChars);
  const hidden = hiddenParts(kind);
  const body: string[] = [];
  let y = PREVIEW_PAD;
  for (const { part, block } of parts) {
    switch (block.kind) {
      case 'text': {
        y += PREVIEW_LINE_H * block.size;
        if (block.text.trim().length === 0) break;
        const at = { x: alignX(block.align, width), y: y - 5, align: block.align, height: block.size };
        body.push(
          hidden.has(part)
            ? svgHiddenLine({ ...at, length: block.text.trim().length })
            : svgText(block.text, { ...at, width: block.size, bold: block.bold }),
        );
        break;
      }
      case 'qr': {
        const side = qrSide(block.payload.length, pxPerMm);
        body.push(svgQrPlaceholder((width - side) / 2, y + 4, side));
        y += side + 8;
        break;
      }
      case 'logo': {
        // The logo lives in the printer's memory: its place only.
        const h = 120 * (pxPerMm / DOTS_PER_MM);
        const w = 240 * (pxPerMm / DOTS_PER_MM);
        body.push(
          `<rect x="${round1((width - w) / 2)}" y="${round1(y)}" width="${round1(w)}" height="${round1(h)}" fill="none" stroke="#000" stroke-dasharray="4"/>`,
        );
        y += h;
        break;
      }
      case 'rule':
        y += PREVIEW_LINE_H;
        body.push(
          `<line x1="${PREVIEW_PAD}" y1="${round1(y - 10)}" x2="${round1(width - PREVIEW_PAD)}" y2="${round1(y - 10)}" stroke="#000"/>`,
        );
        break;
      case 'blank':
        y += PREVIEW_LINE_H;
        break;
      case 'cut':
        y += PREVIEW_LINE_H;
        body.push(
          `<line x1="0" y1="${round1(y)}" x2="${round1(width)}" y2="${round1(y)}" stroke="#000" stroke-dasharray="2 4"/>`,
        );
        break;
      default:
        return unreachableBlock(block);
    }
  }
  return svgDocument(width, y + PREVIEW_PAD, body);
}

function unreachableBlock(block: never): never {
  throw new Error(`unknown layout block ${JSON.stringify(block)}`);
}
