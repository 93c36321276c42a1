/**
 * Stato pratica: the resident shows the receipt's QR code to the scanner, or
 * types its code, and sees where the request stands — between this kiosk and
 * the town hall, and in the back office — as last heard from the hub.
 */
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import type { DoneStateEvent } from 'xstate';
import type { KioskDescription, Locale, ReaderRead, RequestLookup } from '../../kiosk-shell/api/contract';
import type { FlowEvent, FlowInput, FlowOutput, PrinterState } from './flow';

export type FoundRequest = Extract<RequestLookup, { found: true }>;
/** Why a scan could not be used: read badly, or not a receipt (an identity card, another code). */
export type ScanProblem = 'unreadable' | 'notAReceipt';

/** A receipt code is 8 characters; it is shown grouped as `K7Q2-9FXM`. */
export const RECEIPT_CODE_LENGTH = 8;
/** An answer older than this is shown with the time it was last updated. */
export const STALE_AFTER_MS = 10 * 60_000;

/** What the lookup actor answers: the runtime's answer and when it was given (the clock is injected). */
export type LookupAnswer = { lookup: RequestLookup; checkedAt: number };

export type StatusContext = {
  kiosk: KioskDescription;
  locale: Locale;
  printer: PrinterState | null;
  /** What the resident typed, as typed. */
  typedCode: string;
  /** The normalised code being (or last) looked up. */
  requestCode: string | null;
  found: FoundRequest | null;
  /** True when the answer may be out of date: the kiosk is offline or has not heard from the hub lately. */
  stale: boolean;
  scanProblem: ScanProblem | null;
};

export type StatusEvent =
  | FlowEvent
  | { type: 'receipt.scanned'; requestCode: string }
  | { type: 'receipt.unusable'; problem: ScanProblem }
  | { type: 'code.typed'; code: string }
  | { type: 'code.submitted' }
  | { type: 'retry.requested' }
  | { type: 'another.requested' }
  | { type: 'finish.requested' };

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

/** Whether an answer may be out of date: offline, never pulled, or pulled longer ago than STALE_AFTER_MS. */
export function isAnswerStale(found: Pick<FoundRequest, 'online' | 'lastPullAt'>, now: number): boolean {
  if (!found.online || found.lastPullAt === null) return true;
  const pulledAt = Date.parse(found.lastPullAt);
  return Number.isNaN(pulledAt) || now - pulledAt > STALE_AFTER_MS;
}

/** What the status flow makes of one `reader.read` event while it waits for a receipt. */
export function receiptEventOf(read: ReaderRead): StatusEvent {
  switch (read.kind) {
    case 'receipt':
      return { type: 'receipt.scanned', requestCode: read.requestCode };
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

export const statusMachine = setup({
  types: {
    input: {} as FlowInput,
    output: {} as FlowOutput,
    context: {} as StatusContext,
    events: {} as StatusEvent,
  },
  actors: {
    /** Listens to the scanner while the flow waits for a receipt; sends `receipt.scanned` / `receipt.unusable`. */
    receiptScans: fromCallback<StatusEvent>(() => {
      throw new Error('receiptScans must be provided');
    }),
    lookupRequest: fromPromise<LookupAnswer, { receiptCode: string }>(() => {
      throw new Error('lookupRequest must be provided');
    }),
  },
  guards: {
    isTypedCodeComplete: ({ context }) => isReceiptCodeComplete(context.typedCode),
    isScannedCodeComplete: ({ event }) => event.type === 'receipt.scanned' && isReceiptCodeComplete(event.requestCode),
    isFound: (_, answer: LookupAnswer) => answer.lookup.found,
  },
  actions: {
    assignLocale: assign({
      locale: ({ context, event }) => (event.type === 'locale.changed' ? event.locale : context.locale),
    }),
    assignPrinter: assign({
      printer: ({ context, event }) => (event.type === 'printer.changed' ? event.printer : context.printer),
    }),
    assignTypedCode: assign({
      typedCode: ({ context, event }) => (event.type === 'code.typed' ? event.code.slice(0, 16) : context.typedCode),
      scanProblem: null,
    }),
    useTypedCode: assign({ requestCode: ({ context }) => normaliseReceiptCode(context.typedCode) }),
    useScannedCode: assign({
      requestCode: ({ context, event }) =>
        event.type === 'receipt.scanned' ? normaliseReceiptCode(event.requestCode) : context.requestCode,
      scanProblem: null,
    }),
    assignScanProblem: assign({
      scanProblem: ({ context, event }) => (event.type === 'receipt.unusable' ? event.problem : context.scanProblem),
    }),
    assignAnswer: assign((_, answer: LookupAnswer) =>
      answer.lookup.found
        ? { found: answer.lookup, stale: isAnswerStale(answer.lookup, answer.checkedAt) }
        : { found: null, stale: false },
    ),
    markNotAReceipt: assign({ scanProblem: 'notAReceipt' as ScanProblem }),
    forgetRequest: assign({ typedCode: '', requestCode: null, found: null, stale: false, scanProblem: null }),
  },
}).createMachine({
  id: 'status',
  context: ({ input }) => ({
    kiosk: input.kiosk,
    locale: input.locale,
    printer: input.printer,
    typedCode: '',
    requestCode: null,
    found: null,
    stale: false,
    scanProblem: null,
  }),
  on: {
    'locale.changed': { actions: 'assignLocale' },
    'printer.changed': { actions: 'assignPrinter' },
  },
  initial: 'waiting',
  states: {
    /** "Show the receipt's QR code to the reader, or type its code." */
    waiting: {
      invoke: { id: 'receiptScans', src: 'receiptScans' },
      on: {
        'receipt.scanned': [
          { guard: 'isScannedCodeComplete', target: 'looking', actions: 'useScannedCode' },
          { actions: 'markNotAReceipt' },
        ],
        'receipt.unusable': { actions: 'assignScanProblem' },
        'code.typed': { actions: 'assignTypedCode' },
        'code.submitted': { guard: 'isTypedCodeComplete', target: 'looking', actions: 'useTypedCode' },
        back: 'home',
      },
    },
    looking: {
      invoke: {
        id: 'lookupRequest',
        src: 'lookupRequest',
        input: ({ context }) => ({ receiptCode: context.requestCode ?? '' }),
        onDone: [
          {
            guard: { type: 'isFound', params: ({ event }) => event.output },
            target: 'found',
            actions: { type: 'assignAnswer', params: ({ event }) => event.output },
          },
          { target: 'notFound', actions: { type: 'assignAnswer', params: ({ event }) => event.output } },
        ],
        onError: 'failed',
      },
      on: { back: 'waiting' },
    },
    found: {
      on: {
        'another.requested': { target: 'waiting', actions: 'forgetRequest' },
        'finish.requested': 'end',
        back: 'home',
      },
    },
    /** "No request with this code at this kiosk": the typed code is kept to be corrected. */
    notFound: {
      on: {
        'retry.requested': 'waiting',
        back: 'waiting',
      },
    },
    /** The kiosk could not answer now (not the same as "no such request"). */
    failed: {
      on: {
        'retry.requested': 'looking',
        back: 'waiting',
      },
    },
    home: { type: 'final', output: { next: 'home' } satisfies FlowOutput },
    end: { type: 'final', output: { next: 'end' } satisfies FlowOutput },
  },
  output: ({ event }) => (event as DoneStateEvent<FlowOutput>).output,
});

export type StatusMachine = typeof statusMachine;
