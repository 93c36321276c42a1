/**
 * What every resident service flow shares with the session machine that runs it.
 *
 * The session invokes a flow with `FlowInput` under the id `flow`, forwards it
 * `FlowEvent`s (the language changed, the resident pressed back), and stops it
 * when the session ends, which discards everything the flow held: a flow keeps
 * personal data only in its own context. A flow ends in a final state whose
 * output says where the resident goes next.
 */
import type {
  CreatedRequest,
  DevicesStatus,
  KioskDescription,
  Locale,
  PrintOutcome,
} from '../../kiosk-shell/api/contract';
import { errorCode } from '../api/unwrap';

export type PrinterState = DevicesStatus['printer'];

export type FlowInput = {
  kiosk: KioskDescription;
  locale: Locale;
  /** The printer as last reported; null before the first report. */
  printer: PrinterState | null;
};

/** `home`: back to the service tiles; `end`: the resident is done, end the session. */
export type FlowOutput = { next: 'home' | 'end' };

export type FlowEvent =
  | { type: 'locale.changed'; locale: Locale }
  /** The resident pressed back (the screen's back button or the keypad's back key). */
  | { type: 'back' }
  | { type: 'printer.changed'; printer: PrinterState };

/** Whether the printer can print a receipt now. */
export function isPrinterReady(printer: PrinterState | null): boolean {
  return printer !== null && printer.connection === 'connected' && printer.problem === null;
}

/**
 * Whether the resident must be told, before starting, that no receipt can be
 * printed: only for a printer known to be down, not one that has not reported
 * yet (the first report comes a moment after the UI starts).
 */
export function isPrinterKnownDown(printer: PrinterState | null): boolean {
  return printer !== null && !isPrinterReady(printer);
}

// ── From "send the request" to the receipt: shared by Certificati and Segnalazioni ──

type PrintProblem = NonNullable<PrintOutcome['problem']>;

/**
 * The printer problems a reprint's failure may name; any other error reads as
 * a device error. The renderer imports only types from the contract, so they
 * are repeated here, as a record that fails to compile when the contract's
 * list changes.
 */
const PRINTER_PROBLEMS: Record<PrintProblem, true> = {
  PAPER_OUT: true,
  COVER_OPEN: true,
  DEVICE_OFFLINE: true,
  DEVICE_TIMEOUT: true,
  DEVICE_ERROR: true,
  NOT_CONFIGURED: true,
};

function isPrintProblem(code: string): code is PrintProblem {
  return Object.hasOwn(PRINTER_PROBLEMS, code);
}

function printProblem(error: unknown): PrintProblem {
  const code = errorCode(error);
  return isPrintProblem(code) ? code : 'DEVICE_ERROR';
}

/** A reprint printed (or said why not): the receipt's text (for speech) stays, only what the printer did changes. */
export function withReprint(created: CreatedRequest | null, print: PrintOutcome): CreatedRequest | null {
  return created ? { ...created, print: { ...created.print, ...print } } : null;
}

/** A reprint that failed: the receipt is shown as not printed, with the printer's problem. */
export function withReprintFailure(created: CreatedRequest | null, error: unknown): CreatedRequest | null {
  return created ? { ...created, print: { ...created.print, printed: false, problem: printProblem(error) } } : null;
}

/**
 * The last states of a flow that registers a request: `submitting` (the
 * `createRequest` actor, invoked as `requestId` with `input`), `failed` (nothing
 * was registered: retry, or back to `summary`), and `done` (the receipt, with
 * `reprinting` through the `reprintReceipt` actor invoked as `reprintId`; finish, another service, or
 * back to the tiles). The flow implements `assignCreated`, `assignFailure`,
 * `assignReprint` and `assignReprintFailure` (with `withReprint` and
 * `withReprintFailure`), and has a `summary` state and the `home` and `end` finals.
 */
export function submittingToReceipt<const TRequestId extends string, const TReprintId extends string, const TInput>({
  requestId,
  reprintId,
  input,
}: {
  requestId: TRequestId;
  reprintId: TReprintId;
  input: TInput;
}) {
  return {
    submitting: {
      // No back while the request is being written: it either is registered or is not.
      invoke: {
        id: requestId,
        src: 'createRequest',
        input,
        onDone: {
          target: 'done',
          actions: {
            type: 'assignCreated',
            params: ({ event }: { event: { output: CreatedRequest } }) => event.output,
          },
        },
        onError: {
          target: 'failed',
          actions: { type: 'assignFailure', params: ({ event }: { event: { error: unknown } }) => event.error },
        },
      },
    },
    /** Nothing was registered (or, for an unexpected failure, it may not have been): retry or go back. */
    failed: {
      on: {
        'retry.requested': 'submitting',
        back: 'summary',
      },
    },
    done: {
      initial: 'showing',
      states: {
        showing: {
          on: { 'reprint.requested': 'reprinting' },
        },
        reprinting: {
          invoke: {
            id: reprintId,
            src: 'reprintReceipt',
            input: ({ context }: { context: { created: CreatedRequest | null } }) => ({
              receiptCode: context.created?.receiptCode ?? '',
            }),
            onDone: {
              target: 'showing',
              actions: {
                type: 'assignReprint',
                params: ({ event }: { event: { output: PrintOutcome } }) => event.output,
              },
            },
            onError: {
              target: 'showing',
              actions: {
                type: 'assignReprintFailure',
                params: ({ event }: { event: { error: unknown } }) => event.error,
              },
            },
          },
        },
      },
      on: {
        'finish.requested': 'end',
        'anotherService.requested': 'home',
        // The request is registered: back cannot undo it, it leaves the flow for the service tiles.
        back: 'home',
      },
    },
  } as const;
}
