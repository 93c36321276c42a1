/**
 * How much roll a receipt uses, estimated from its layout, and what is left of
 * the roll. The near-end sensor only speaks in the last metre or so; this counter
 * lets a technician see the roll run down days before (and plan the visit).
 */
import { QR_CELL_SIZE } from './encode';
import type { LayoutBlock } from './receipt';

/** Default line spacing of ESC/POS printers: 1/6 inch. */
export const LINE_MM = 25.4 / 6;
/** 203 dpi heads: 8 dots per millimetre. */
export const DOTS_PER_MM = 8;
/** `ESC d 4` before the cut. */
export const CUT_FEED_LINES = 4;
/** When no logo height is known: a typical 120-dot logo. */
export const DEFAULT_LOGO_HEIGHT_DOTS = 120;
export const DEFAULT_ROLL_LENGTH_MM = 80_000;
/** Used for "receipts left" until a receipt has been counted. */
export const DEFAULT_TYPICAL_RECEIPT_MM = 120;

/** Byte-mode capacity of QR versions 1..10 at error correction M. */
const QR_CAPACITY_M = [14, 26, 42, 62, 84, 106, 122, 152, 180, 213];

/** The side of the QR symbol in modules (quiet zone excluded) for a payload of this length. */
export function qrModules(payloadLength: number): number {
  const index = QR_CAPACITY_M.findIndex((cap) => payloadLength <= cap);
  const version = index === -1 ? QR_CAPACITY_M.length : index + 1;
  return 17 + 4 * version;
}

export type PaperEstimateOptions = { logoHeightDots?: number };

/** Millimetres of roll one laid-out receipt uses, from its first line to the cut. */
export function estimateReceiptMm(blocks: readonly LayoutBlock[], options: PaperEstimateOptions = {}): number {
  let mm = 0;
  for (const block of blocks) {
    switch (block.kind) {
      case 'logo':
        mm += (options.logoHeightDots ?? DEFAULT_LOGO_HEIGHT_DOTS) / DOTS_PER_MM;
        break;
      case 'text':
        mm += LINE_MM * block.size;
        break;
      case 'rule':
      case 'blank':
        mm += LINE_MM;
        break;
      case 'qr':
        mm += (qrModules(block.payload.length) * QR_CELL_SIZE) / DOTS_PER_MM;
        break;
      case 'cut':
        mm += CUT_FEED_LINES * LINE_MM;
        break;
      default:
        return unreachable(block);
    }
  }
  return Math.round(mm * 10) / 10;
}

function unreachable(block: never): never {
  throw new Error(`unknown layout block ${JSON.stringify(block)}`);
}

export type PaperUsage = {
  rollLengthMm: number;
  usedMm: number;
  remainingMm: number;
  /** Receipts counted since the roll was replaced. */
  receipts: number;
  /** Estimated receipts the rest of the roll holds, at the average length so far. */
  remainingReceipts: number;
};

export type PaperCounterOptions = {
  rollLengthMm?: number;
  usedMm?: number;
  receipts?: number;
  typicalReceiptMm?: number;
};

/** Paper used on the current roll. Pure bookkeeping; persisting it is the caller's business. */
export class PaperCounter {
  private readonly rollLengthMm: number;
  private readonly typicalReceiptMm: number;
  private usedMm: number;
  private receipts: number;

  constructor(options: PaperCounterOptions = {}) {
    this.rollLengthMm = options.rollLengthMm ?? DEFAULT_ROLL_LENGTH_MM;
    this.typicalReceiptMm = options.typicalReceiptMm ?? DEFAULT_TYPICAL_RECEIPT_MM;
    this.usedMm = Math.max(0, options.usedMm ?? 0);
    this.receipts = Math.max(0, options.receipts ?? 0);
  }

  /** Counts one printed receipt of `mm` millimetres. */
  add(mm: number): void {
    this.usedMm += Math.max(0, mm);
    this.receipts += 1;
  }

  /** A full roll was loaded. */
  replaced(): void {
    this.usedMm = 0;
    this.receipts = 0;
  }

  usage(): PaperUsage {
    const remainingMm = Math.max(0, this.rollLengthMm - this.usedMm);
    const average = this.receipts > 0 ? this.usedMm / this.receipts : this.typicalReceiptMm;
    return {
      rollLengthMm: this.rollLengthMm,
      usedMm: Math.round(this.usedMm * 10) / 10,
      remainingMm: Math.round(remainingMm * 10) / 10,
      receipts: this.receipts,
      remainingReceipts: average > 0 ? Math.floor(remainingMm / average) : 0,
    };
  }
}
