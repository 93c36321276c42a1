/**
 * Stato pratica: the resident shows the receipt's QR code to the scanner, or
 * types its code, and sees where the request stands — between this kiosk and
 * the town hall, and in the back office — as last heard from the hub.
 */
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import type { DoneStateEvent } from 'xstate';
import type { KioskDescription, Locale, ReaderRead, RequestLookup } from '../../kiosk-shell/api/contract';
import type { FlowEvent, FlowInput, FlowOutput, PrinterState } from './flow';
import { receiptCodeAssigners, receiptCodeGuards, receiptReadEvent, waitingForReceipt } from './receipt-code';
import type { ReceiptCodeContext, ReceiptCodeEvent } from './receipt-code';

export { RECEIPT_CODE_LENGTH, formatReceiptCode, isReceiptCodeComplete, normaliseReceiptCode } from './receipt-code';
export type { ScanProblem } from './receipt-code';

export type FoundRequest = Extract<RequestLookup, { found: true }>;
/** An answer older than this is shown with the time it was last updated. */
export const STALE_AFTER_MS = 10 * 60_000;

/** What the lookup actor answers: the runtime's answer and when it was given (the clock is injected). */
export type LookupAnswer = { lookup: RequestLookup; checkedAt: number };

export type StatusContext = ReceiptCodeContext & {
  kiosk: KioskDescription;
  locale: Locale;
  printer: PrinterState | null;
  found: FoundRequest | null;
  /** True when the answer may be out of date: the kiosk is offline or has not heard from the hub lately. */
  stale: boolean;
};

export type StatusEvent =
  | FlowEvent
  | ReceiptCodeEvent
  | { type: 'retry.requested' }
  | { type: 'another.requested' }
  | { type: 'finish.requested' };

/** Whether an answer may be out of date: offline, never pulled, or pulled longer ago than STALE_AFTER_MS. */
export function isAnswerStale(found: Pick<FoundRequest, 'online' | 'lastPullAt'>, now: number): boolean {
  if (!found.online || found.lastPullAt === null) return true;
  const pulledAt = Date.parse(found.lastPullAt);
  return Number.isNaN(pulledAt) || now - pulledAt > STALE_AFTER_MS;
}

/** What the status flow makes of one `reader.read` event while it waits for a receipt: a QR's pickup secret stays out. */
export function receiptEventOf(read: ReaderRead): StatusEvent {
  const event = receiptReadEvent(read);
  return event.type === 'receipt.scanned' ? { type: event.type, requestCode: event.requestCode } : event;
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
    ...receiptCodeGuards,
    isFound: (_, answer: LookupAnswer) => answer.lookup.found,
  },
  actions: {
    assignLocale: assign({
      locale: ({ context, event }) => (event.type === 'locale.changed' ? event.locale : context.locale),
    }),
    assignPrinter: assign({
      printer: ({ context, event }) => (event.type === 'printer.changed' ? event.printer : context.printer),
    }),
    assignTypedCode: assign((args) => receiptCodeAssigners.assignTypedCode(args)),
    useTypedCode: assign((args) => receiptCodeAssigners.useTypedCode(args)),
    useScannedCode: assign((args) => receiptCodeAssigners.useScannedCode(args)),
    assignScanProblem: assign((args) => receiptCodeAssigners.assignScanProblem(args)),
    markNotAReceipt: assign((args) => receiptCodeAssigners.markNotAReceipt(args)),
    assignAnswer: assign((_, answer: LookupAnswer) =>
      answer.lookup.found
        ? { found: answer.lookup, stale: isAnswerStale(answer.lookup, answer.checkedAt) }
        : { found: null, stale: false },
    ),
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
    waiting: waitingForReceipt('looking', 'home'),
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
