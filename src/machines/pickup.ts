/**
 * Ritiro documenti: the resident shows the receipt's QR code (or types its
 * code and the pickup code printed under the QR), then the same card used for
 * the request; the kiosk opens the document that waits for it, prints it, and
 * only then records that it was collected.
 *
 * The pickup secret (from the QR, or the typed pickup code) and the identity
 * live in this machine's context only; the session stops the flow when it
 * ends, which discards them. Fewest taps: scan the QR, show the card, "yes,
 * it's me", the document prints, "finish".
 */
import { assign, fromCallback, fromPromise, sendTo, setup } from 'xstate';
import type {
  ErrorCode,
  Identity,
  Locale,
  PickupCollectInput,
  PickupCollected,
  PickupLookup,
  ReaderRead,
} from '../../kiosk-shell/api/contract';
import { errorCode } from '../api/unwrap';
import { isPrinterKnownDown } from './flow';
import type { FlowEvent, FlowInput, FlowOutput, PrinterState } from './flow';
import { identifyMachine } from './identify';
import type { IdentifyOutput } from './identify';
import { receiptCodeAssigners, receiptCodeGuards, receiptReadEvent, waitingForReceipt } from './receipt-code';
import type { ReceiptCodeContext, ReceiptCodeEvent, ReceiptReadEvent } from './receipt-code';

export type ReadyDocument = Extract<PickupLookup, { status: 'ready' }>;

/** The pickup code printed under the QR: the 24-byte secret in Crockford base32. */
export const PICKUP_CODE_LENGTH = 39;

/** A typed pickup code as the runtime reads it: upper case, no separators, O → 0, I and L → 1. */
export function normalisePickupCode(raw: string): string {
  return raw
    .toUpperCase()
    .replace(/[\s\-–_.]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

export function isPickupCodeComplete(raw: string): boolean {
  return new RegExp(`^[0-9A-Z]{${PICKUP_CODE_LENGTH}}$`).test(normalisePickupCode(raw));
}

/** Groups a pickup code by four for reading it back (`ABCD EFGH …`). */
export function groupPickupCode(raw: string): string {
  return (normalisePickupCode(raw).match(/.{1,4}/g) ?? []).join(' ');
}

/** Why the document could not be given, as the resident is told. */
export type PickupRefusal = 'wrongCode' | 'wrongCard';

export type PickupContext = ReceiptCodeContext & {
  kiosk: FlowInput['kiosk'];
  locale: Locale;
  printer: PrinterState | null;
  /** The printer could not print when the flow started: the resident is told before anything else. */
  noReceiptAtStart: boolean;
  /** The pickup code as typed (when the QR could not be used). */
  typedPickupCode: string;
  /** The secret read from the receipt's QR; null when the resident types the pickup code instead. */
  pickupSecret: string | null;
  /** The runtime's last answer about this receipt. */
  lookup: PickupLookup | null;
  identity: Identity | null;
  collected: PickupCollected | null;
  error: ErrorCode | null;
};

export type PickupEvent =
  | FlowEvent
  | Exclude<ReceiptCodeEvent, { type: 'receipt.scanned' }>
  | ReceiptReadEvent
  | { type: 'pickupCode.typed'; code: string }
  | { type: 'pickupCode.submitted' }
  | { type: 'retry.requested' }
  | { type: 'finish.requested' }
  | { type: 'anotherService.requested' };

/** What the pickup flow makes of one `reader.read` event while it waits for a receipt: the QR's secret goes along. */
export function pickupEventOf(read: ReaderRead): PickupEvent {
  return receiptReadEvent(read);
}

/** What `pickup.collect` is asked, from what the resident gave. */
export function collectInput(context: PickupContext): PickupCollectInput {
  return {
    receiptCode: context.requestCode ?? '',
    key:
      context.pickupSecret !== null
        ? { kind: 'scanned', pickupSecret: context.pickupSecret }
        : { kind: 'typed', pickupCode: normalisePickupCode(context.typedPickupCode) },
    // The guard into `collecting` made sure there is one.
    identity: context.identity!,
  };
}

const forgetAll = {
  typedCode: '',
  typedPickupCode: '',
  requestCode: null,
  pickupSecret: null,
  lookup: null,
  identity: null,
  collected: null,
  error: null,
  scanProblem: null,
} satisfies Partial<PickupContext>;

export const pickupMachine = setup({
  types: {
    input: {} as FlowInput,
    output: {} as FlowOutput,
    context: {} as PickupContext,
    events: {} as PickupEvent,
  },
  actors: {
    /** Listens to the scanner while the flow waits for a receipt; sends `receipt.scanned` / `receipt.unusable`. */
    receiptScans: fromCallback<PickupEvent>(() => {
      throw new Error('receiptScans must be provided');
    }),
    findDocument: fromPromise<PickupLookup, { receiptCode: string }>(() => {
      throw new Error('findDocument must be provided');
    }),
    identify: identifyMachine,
    collectDocument: fromPromise<PickupCollected, PickupCollectInput>(() => {
      throw new Error('collectDocument must be provided');
    }),
  },
  guards: {
    ...receiptCodeGuards,
    isPickupCodeComplete: ({ context }) => isPickupCodeComplete(context.typedPickupCode),
    isStatus: (_, { lookup, status }: { lookup: PickupLookup; status: PickupLookup['status'] }) =>
      lookup.status === status,
    isReadyWithSecret: ({ context }, lookup: PickupLookup) =>
      lookup.status === 'ready' && context.pickupSecret !== null,
    isIdentified: (_, output: IdentifyOutput) => output.outcome === 'identified',
    isPrinted: (_, collected: PickupCollected) => collected.print.printed,
    isError: (_, { error, code }: { error: unknown; code: ErrorCode }) => errorCode(error) === code,
    isCodeTyped: ({ context }) => context.pickupSecret === null,
  },
  actions: {
    assignLocale: assign({
      locale: ({ context, event }) => (event.type === 'locale.changed' ? event.locale : context.locale),
    }),
    assignPrinter: assign({
      printer: ({ context, event }) => (event.type === 'printer.changed' ? event.printer : context.printer),
    }),
    forwardBackToIdentify: sendTo('identify', { type: 'back' as const }),
    forwardLocaleToIdentify: sendTo('identify', ({ context }) => ({
      type: 'locale.changed' as const,
      locale: context.locale,
    })),
    assignTypedCode: assign((args) => receiptCodeAssigners.assignTypedCode(args)),
    assignTypedPickupCode: assign({
      typedPickupCode: ({ context, event }) =>
        event.type === 'pickupCode.typed' ? event.code.slice(0, 80) : context.typedPickupCode,
    }),
    /** A typed receipt code: the pickup code is typed next, no secret from a QR. */
    useTypedCode: assign((args) => ({ ...receiptCodeAssigners.useTypedCode(args), pickupSecret: null })),
    useScannedCode: assign((args) => ({
      ...receiptCodeAssigners.useScannedCode(args),
      pickupSecret: args.event.type === 'receipt.scanned' ? args.event.pickupSecret : args.context.pickupSecret,
    })),
    assignScanProblem: assign((args) => receiptCodeAssigners.assignScanProblem(args)),
    markNotAReceipt: assign((args) => receiptCodeAssigners.markNotAReceipt(args)),
    assignLookup: assign({ lookup: (_, lookup: PickupLookup) => lookup }),
    assignIdentity: assign({
      identity: (_, output: IdentifyOutput) => (output.outcome === 'identified' ? output.identity : null),
    }),
    assignCollected: assign({ collected: (_, collected: PickupCollected) => collected, error: null }),
    assignError: assign({ error: (_, error: unknown) => errorCode(error) }),
    forgetIdentity: assign({ identity: null }),
    forgetPickupCode: assign({ typedPickupCode: '', identity: null }),
    /** Forgets the receipt, the secret and the card: a fresh start. */
    forgetAll: assign(forgetAll),
  },
}).createMachine({
  id: 'pickup',
  context: ({ input }) => ({
    kiosk: input.kiosk,
    locale: input.locale,
    printer: input.printer,
    noReceiptAtStart: isPrinterKnownDown(input.printer),
    ...forgetAll,
  }),
  on: {
    'locale.changed': { actions: 'assignLocale' },
    'printer.changed': { actions: 'assignPrinter' },
  },
  initial: 'waiting',
  states: {
    /** "Show the receipt's QR code to the reader, or type its code." */
    waiting: waitingForReceipt('finding', { target: 'home', actions: 'forgetAll' }),
    finding: {
      invoke: {
        id: 'find',
        src: 'findDocument',
        input: ({ context }) => ({ receiptCode: context.requestCode ?? '' }),
        onDone: [
          {
            guard: { type: 'isReadyWithSecret', params: ({ event }) => event.output },
            target: 'identifying',
            actions: { type: 'assignLookup', params: ({ event }) => event.output },
          },
          {
            guard: { type: 'isStatus', params: ({ event }) => ({ lookup: event.output, status: 'ready' as const }) },
            target: 'typingPickupCode',
            actions: { type: 'assignLookup', params: ({ event }) => event.output },
          },
          {
            guard: { type: 'isStatus', params: ({ event }) => ({ lookup: event.output, status: 'unknown' as const }) },
            target: 'notFound',
            actions: { type: 'assignLookup', params: ({ event }) => event.output },
          },
          {
            guard: {
              type: 'isStatus',
              params: ({ event }) => ({ lookup: event.output, status: 'collected' as const }),
            },
            target: 'alreadyCollected',
            actions: { type: 'assignLookup', params: ({ event }) => event.output },
          },
          {
            guard: { type: 'isStatus', params: ({ event }) => ({ lookup: event.output, status: 'expired' as const }) },
            target: 'expired',
            actions: { type: 'assignLookup', params: ({ event }) => event.output },
          },
          {
            guard: { type: 'isStatus', params: ({ event }) => ({ lookup: event.output, status: 'locked' as const }) },
            target: 'locked',
            actions: { type: 'assignLookup', params: ({ event }) => event.output },
          },
          { target: 'notReady', actions: { type: 'assignLookup', params: ({ event }) => event.output } },
        ],
        onError: {
          target: 'findFailed',
          actions: { type: 'assignError', params: ({ event }: { event: { error: unknown } }) => event.error },
        },
      },
      on: { back: 'waiting' },
    },
    /** The receipt code was typed: the pickup code printed under the QR opens the document. */
    typingPickupCode: {
      on: {
        'pickupCode.typed': { actions: 'assignTypedPickupCode' },
        'pickupCode.submitted': { guard: 'isPickupCodeComplete', target: 'identifying' },
        back: { target: 'waiting', actions: 'forgetAll' },
      },
    },
    /** "Show the same card you used for the request." */
    identifying: {
      invoke: {
        id: 'identify',
        src: 'identify',
        input: ({ context }) => ({ locale: context.locale }),
        onDone: [
          {
            guard: { type: 'isIdentified', params: ({ event }) => event.output },
            target: 'collecting',
            actions: { type: 'assignIdentity', params: ({ event }) => event.output },
          },
          { target: 'waiting', actions: 'forgetAll' },
        ],
        // An identification that breaks must not strand the resident.
        onError: { target: 'waiting', actions: 'forgetAll' },
      },
      on: {
        back: { actions: 'forwardBackToIdentify' },
        'locale.changed': { actions: ['assignLocale', 'forwardLocaleToIdentify'] },
      },
    },
    /** Opening and printing: the runtime records the collection only once the document printed. */
    collecting: {
      invoke: {
        id: 'collect',
        src: 'collectDocument',
        input: ({ context }) => collectInput(context),
        onDone: [
          {
            guard: { type: 'isPrinted', params: ({ event }) => event.output },
            target: 'done',
            actions: { type: 'assignCollected', params: ({ event }) => event.output },
          },
          { target: 'printFailed', actions: { type: 'assignCollected', params: ({ event }) => event.output } },
        ],
        onError: [
          {
            guard: { type: 'isError', params: ({ event }) => ({ error: event.error, code: 'PICKUP_WRONG_CODE' }) },
            target: 'wrongCode',
            actions: 'forgetIdentity',
          },
          {
            guard: { type: 'isError', params: ({ event }) => ({ error: event.error, code: 'PICKUP_WRONG_CARD' }) },
            target: 'wrongCard',
            actions: 'forgetIdentity',
          },
          {
            guard: { type: 'isError', params: ({ event }) => ({ error: event.error, code: 'RATE_LIMITED' }) },
            target: 'locked',
            actions: 'forgetIdentity',
          },
          {
            guard: { type: 'isError', params: ({ event }) => ({ error: event.error, code: 'NOT_FOUND' }) },
            target: 'notReady',
            actions: 'forgetIdentity',
          },
          {
            target: 'collectFailed',
            actions: { type: 'assignError', params: ({ event }: { event: { error: unknown } }) => event.error },
          },
        ],
      },
    },
    done: {
      on: {
        'finish.requested': 'end',
        'anotherService.requested': 'home',
        back: 'home',
      },
    },
    /** Nothing was recorded: the document still waits here; try again once the printer works. */
    printFailed: {
      on: {
        'retry.requested': 'collecting',
        'finish.requested': 'end',
        back: 'home',
      },
    },
    wrongCode: {
      on: {
        'retry.requested': [
          { guard: 'isCodeTyped', target: 'typingPickupCode', actions: 'forgetPickupCode' },
          { target: 'waiting', actions: 'forgetAll' },
        ],
        back: { target: 'waiting', actions: 'forgetAll' },
      },
    },
    wrongCard: {
      on: {
        'retry.requested': 'identifying',
        back: { target: 'waiting', actions: 'forgetAll' },
      },
    },
    /** Too many wrong attempts: come back later, or go to a staffed counter. */
    locked: {
      on: {
        'finish.requested': 'end',
        back: { target: 'home', actions: 'forgetAll' },
      },
    },
    /** The request exists but nothing waits for it (yet): Stato pratica tells where it stands. */
    notReady: {
      on: {
        'retry.requested': { target: 'waiting', actions: 'forgetAll' },
        'finish.requested': 'end',
        back: { target: 'waiting', actions: 'forgetAll' },
      },
    },
    notFound: {
      on: {
        'retry.requested': { target: 'waiting', actions: 'forgetAll' },
        'finish.requested': 'end',
        back: { target: 'waiting', actions: 'forgetAll' },
      },
    },
    alreadyCollected: {
      on: {
        'retry.requested': { target: 'waiting', actions: 'forgetAll' },
        'finish.requested': 'end',
        back: { target: 'waiting', actions: 'forgetAll' },
      },
    },
    expired: {
      on: {
        'retry.requested': { target: 'waiting', actions: 'forgetAll' },
        'finish.requested': 'end',
        back: { target: 'waiting', actions: 'forgetAll' },
      },
    },
    findFailed: {
      on: {
        'retry.requested': 'finding',
        back: { target: 'waiting', actions: 'forgetAll' },
      },
    },
    collectFailed: {
      on: {
        'retry.requested': 'collecting',
        back: { target: 'waiting', actions: 'forgetAll' },
      },
    },
    home: { type: 'final', output: { next: 'home' } satisfies FlowOutput },
    end: { type: 'final', output: { next: 'end' } satisfies FlowOutput },
  },
  output: ({ event }) => (event as unknown as { output: FlowOutput }).output,
});

export type PickupMachine = typeof pickupMachine;
