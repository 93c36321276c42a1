/**
 * What every resident service flow shares with the session machine that runs it.
 *
 * The session invokes a flow with `FlowInput` under the id `flow`, forwards it
 * `FlowEvent`s (the language changed, the resident pressed back), and stops it
 * when the session ends, which discards everything the flow held: a flow keeps
 * personal data only in its own context. A flow ends in a final state whose
 * output says where the resident goes next.
 */
import type { DevicesStatus, KioskDescription, Locale } from '../../kiosk-shell/api/contract';

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
