/**
 * "Show the receipt's QR code to the reader, or type its code": the step that
 * Stato pratica and Ritiro documenti both start with, as a fragment each
 * flow's machine puts into its own `setup()`: the `waiting` state
 * (`waitingForReceipt`), its guards (`receiptCodeGuards`) and what its actions
 * compute (`receiptCodeAssigners`, each wrapped in the machine's own `assign`).
 * The flow names its scanner actor `receiptScans` and turns reader reads into
 * `ReceiptCodeEvent`s with `receiptReadEvent`.
 */
import type { ReaderRead } from '../../kiosk-shell/api/contract';

/** Why a scan could not be used: read badly, or not a receipt (an identity card, another code). */
export type ScanProblem = 'unreadable' | 'notAReceipt';

/** A receipt code is 8 characters; it is shown grouped as `K7Q2-9FXM`. */
export const RECEIPT_CODE_LENGTH = 8;

/** What the step keeps in the flow's context. */
export type ReceiptCodeContext = {
  /** What the resident typed, as typed. */
  typedCode: string;
  /** The normalised code being (or last) looked up. */
  requestCode: string | null;
  scanProblem: ScanProblem | null;
};

/** The events the step reacts to; a flow's own `receipt.scanned` may carry more. */
export type ReceiptCodeEvent =
  | { type: 'receipt.scanned'; requestCode: string }
  | { type: 'receipt.unusable'; problem: ScanProblem }
  | { type: 'code.typed'; code: string }
  | { type: 'code.submitted' };

/**
 * A code as the runtime stores it: upper case, no separators. Letters that
 * Crockford's alphabet leaves out because they look like digits are read as
 * those digits (O → 0, I and L → 1).
 */
export function normaliseReceiptCode(raw: string): string {
  return raw
    .toUpperCase()
    .replace(/[\s\-–_.]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

export function isReceiptCodeComplete(raw: string): boolean {
  return new RegExp(`^[0-9A-Z]{${RECEIPT_CODE_LENGTH}}$`).test(normaliseReceiptCode(raw));
}

/** Groups a code by four for reading (`K7Q29FXM` → `K7Q2-9FXM`). */
export function formatReceiptCode(code: string): string {
  const c = normaliseReceiptCode(code);
  return c.length === RECEIPT_CODE_LENGTH ? `${c.slice(0, 4)}-${c.slice(4)}` : c;
}

/** A scan as a flow waiting for a receipt hears it: the receipt (with the pickup secret of its QR, if any), or why not. */
export type ReceiptReadEvent =
  | { type: 'receipt.scanned'; requestCode: string; pickupSecret: string | null }
  | Extract<ReceiptCodeEvent, { type: 'receipt.unusable' }>;

/** What a flow waiting for a receipt makes of one `reader.read` event: a card or another code is not a receipt. */
export function receiptReadEvent(read: ReaderRead): ReceiptReadEvent {
  switch (read.kind) {
    case 'receipt':
      return { type: 'receipt.scanned', requestCode: read.requestCode, pickupSecret: read.pickupSecret };
    case 'identity':
      return { type: 'receipt.unusable', problem: 'notAReceipt' };
    case 'problem':
      return { type: 'receipt.unusable', problem: read.problem === 'unreadable' ? 'unreadable' : 'notAReceipt' };
    default:
      return unreachable(read);
  }
}

function unreachable(value: never): never {
  throw new Error(`unexpected read ${JSON.stringify(value)}`);
}

type Args = { context: ReceiptCodeContext; event: { type: string } };

function isEvent<T extends ReceiptCodeEvent['type']>(
  event: { type: string },
  type: T,
): event is Extract<ReceiptCodeEvent, { type: T }> {
  return event.type === type;
}

export const receiptCodeGuards = {
  isTypedCodeComplete: ({ context }: Args) => isReceiptCodeComplete(context.typedCode),
  isScannedCodeComplete: ({ event }: Args) =>
    isEvent(event, 'receipt.scanned') && isReceiptCodeComplete(event.requestCode),
};

/** What each of the step's actions assigns, for the flow's `assign(...)`. */
export const receiptCodeAssigners = {
  /** The keyboard changed the typed code; a scan problem shown before is cleared. */
  assignTypedCode: ({ context, event }: Args): Partial<ReceiptCodeContext> => ({
    typedCode: isEvent(event, 'code.typed') ? event.code.slice(0, 16) : context.typedCode,
    scanProblem: null,
  }),
  useTypedCode: ({ context }: Args): Partial<ReceiptCodeContext> => ({
    requestCode: normaliseReceiptCode(context.typedCode),
  }),
  useScannedCode: ({ context, event }: Args): Partial<ReceiptCodeContext> => ({
    requestCode: isEvent(event, 'receipt.scanned') ? normaliseReceiptCode(event.requestCode) : context.requestCode,
    scanProblem: null,
  }),
  assignScanProblem: ({ context, event }: Args): Partial<ReceiptCodeContext> => ({
    scanProblem: isEvent(event, 'receipt.unusable') ? event.problem : context.scanProblem,
  }),
  /** A receipt whose code is not a receipt code (too short, another kiosk's format). */
  markNotAReceipt: (_args: Args): Partial<ReceiptCodeContext> => ({ scanProblem: 'notAReceipt' }),
};

/**
 * The `waiting` state: listens to the scanner while it lasts; a usable scan or
 * a complete typed code goes on to `next` with `requestCode` set; `back` is the
 * flow's own way out.
 */
export function waitingForReceipt<const TNext extends string, const TBack>(next: TNext, back: TBack) {
  return {
    invoke: { id: 'receiptScans', src: 'receiptScans' },
    on: {
      'receipt.scanned': [
        { guard: 'isScannedCodeComplete', target: next, actions: 'useScannedCode' },
        { actions: 'markNotAReceipt' },
      ],
      'receipt.unusable': { actions: 'assignScanProblem' },
      'code.typed': { actions: 'assignTypedCode' },
      'code.submitted': { guard: 'isTypedCodeComplete', target: next, actions: 'useTypedCode' },
      back,
    },
  } as const;
}
