/**
 * The one receipt model, and its layout on a roll of `widthChars` columns.
 * Callers describe what a receipt says; `layoutReceipt` decides how it looks, and
 * both the ESC/POS encoder and the paper estimate read that same layout, so what
 * is counted is what is printed.
 */
import { toPc858Safe } from './pc858';

export type ReceiptRow = { label: string; value: string };

export type Receipt = {
  header: {
    /** The comune's name, printed centred under the logo. */
    comune: string;
    /** Print the logo stored in the printer's NV memory (see PrinterService.storeLogo). */
    logo?: boolean;
  };
  title: string;
  /** Free text, word-wrapped. */
  lines: readonly string[];
  /** Label on the left, value on the right (e.g. "Codice ricevuta" … "K7-2Q9F"). */
  rows: readonly ReceiptRow[];
  /** Payload of a QR code printed with the printer's own `GS ( k` command. Printable ASCII. */
  qr?: string;
  footer?: readonly string[];
  /** Every receipt ends with a feed and a full cut. */
  cut: true;
};

export type Align = 'left' | 'center' | 'right';

/** One printed element, in order. Text is already PC858-safe and fits the width. */
export type LayoutBlock =
  | { kind: 'logo' }
  | { kind: 'text'; text: string; align: Align; bold: boolean; size: 1 | 2 }
  | { kind: 'rule' }
  | { kind: 'qr'; payload: string }
  | { kind: 'blank' }
  | { kind: 'cut' };

/** Column counts of font A: 48 on an 80 mm roll, 32 on a 58 mm roll. */
export const DEFAULT_WIDTH_CHARS = 48;
/** Byte mode, error correction M: a payload this long still fits QR version 10. */
export const QR_MAX_LENGTH = 213;

/** Word-wraps to `width` columns; words longer than a line are split. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((w) => w.length > 0)) {
    let rest = word;
    while (rest.length > 0) {
      const sep = line.length > 0 ? 1 : 0;
      if (line.length + sep + rest.length <= width) {
        line += (sep ? ' ' : '') + rest;
        rest = '';
      } else if (line.length > 0) {
        out.push(line);
        line = '';
      } else {
        out.push(rest.slice(0, width));
        rest = rest.slice(width);
      }
    }
  }
  if (line.length > 0) out.push(line);
  return out.length > 0 ? out : [''];
}

function rowLines(label: string, value: string, width: number): string[] {
  if (label.length + 1 + value.length <= width)
    return [label + ' '.repeat(width - label.length - value.length) + value];
  const valueLines = wrap(value, width).map((v) => v.padStart(width));
  return [...wrap(label, width), ...valueLines];
}

/** Throws on a receipt no printer can print as asked: a programming error, not a device failure. */
export function checkReceipt(receipt: Receipt): void {
  if (receipt.qr !== undefined) {
    if (receipt.qr.length === 0 || receipt.qr.length > QR_MAX_LENGTH)
      throw new RangeError(`receipt QR payload must be 1..${QR_MAX_LENGTH} characters`);
    if (!/^[\x20-\x7e]+$/.test(receipt.qr)) throw new RangeError('receipt QR payload must be printable ASCII');
  }
}

/** Which part of the receipt model a block comes from (the preview masks by part). */
export type ReceiptPart = 'header' | 'title' | 'lines' | 'rows' | 'qr' | 'footer' | 'end';
export type PartBlock = { part: ReceiptPart; block: LayoutBlock };

/** The receipt as printed blocks, each with the part of the model it comes from. */
export function layoutReceiptParts(receipt: Receipt, widthChars = DEFAULT_WIDTH_CHARS): PartBlock[] {
  checkReceipt(receipt);
  const width = Math.max(16, Math.floor(widthChars));
  const out: PartBlock[] = [];
  const push = (part: ReceiptPart, block: LayoutBlock) => out.push({ part, block });
  const text = (part: ReceiptPart, t: string, align: Align, bold = false, size: 1 | 2 = 1) =>
    push(part, { kind: 'text', text: t, align, bold, size });

  if (receipt.header.logo) push('header', { kind: 'logo' });
  for (const l of wrap(toPc858Safe(receipt.header.comune), width)) text('header', l, 'center', true);
  push('header', { kind: 'blank' });
  for (const l of wrap(toPc858Safe(receipt.title), Math.floor(width / 2))) text('title', l, 'center', true, 2);
  push('title', { kind: 'rule' });
  for (const line of receipt.lines) for (const l of wrap(toPc858Safe(line), width)) text('lines', l, 'left');
  if (receipt.rows.length > 0) {
    push('rows', { kind: 'blank' });
    for (const row of receipt.rows)
      for (const l of rowLines(toPc858Safe(row.label), toPc858Safe(row.value), width)) text('rows', l, 'left');
  }
  if (receipt.qr !== undefined) {
    push('qr', { kind: 'blank' });
    push('qr', { kind: 'qr', payload: receipt.qr });
  }
  if (receipt.footer && receipt.footer.length > 0) {
    push('footer', { kind: 'blank' });
    for (const line of receipt.footer) for (const l of wrap(toPc858Safe(line), width)) text('footer', l, 'center');
  }
  push('end', { kind: 'cut' });
  return out;
}

/** The receipt as printed blocks on a roll `widthChars` wide. */
export function layoutReceipt(receipt: Receipt, widthChars = DEFAULT_WIDTH_CHARS): LayoutBlock[] {
  return layoutReceiptParts(receipt, widthChars).map((p) => p.block);
}
