/**
 * Printer status codec, per the EPSON ESC/POS reference: the real-time queries
 * `DLE EOT n` (answered at once, even while the printer is offline or busy) and
 * the in-order `GS r 1` (answered only after everything sent before it has been
 * processed, which makes it the "receipt done" barrier). Pure: bytes in, facts out.
 */
import type { DeviceErrorCode } from '../errors';

export type StatusQuery = 1 | 2 | 3 | 4;

export type PrinterStatus = {
  online: boolean;
  coverOpen: boolean;
  paperNearEnd: boolean;
  paperOut: boolean;
  cutterError: boolean;
  unrecoverableError: boolean;
};

/** `DLE EOT n`: transmit real-time status n. */
export function statusCommand(n: StatusQuery): Uint8Array {
  return Uint8Array.of(0x10, 0x04, n);
}

/** All four real-time queries in one write; the printer answers four bytes in this order. */
// prettier-ignore
export const STATUS_QUERY_ALL = Uint8Array.of(
  0x10, 0x04, 0x01, // DLE EOT 1: printer status
  0x10, 0x04, 0x02, // DLE EOT 2: offline cause status
  0x10, 0x04, 0x03, // DLE EOT 3: error cause status
  0x10, 0x04, 0x04, // DLE EOT 4: roll paper sensor status
);

/** `GS r 1`: transmit paper sensor status, processed in order after the data before it. */
export const PAPER_STATUS_BARRIER = Uint8Array.of(0x1d, 0x72, 0x01); // GS r 1: transmit paper sensor status

/** `GS a 0`: disable Automatic Status Back, so that only our queries are answered. */
export const DISABLE_ASB = Uint8Array.of(0x1d, 0x61, 0x00); // GS a 0: automatic status back off

/** A `DLE EOT` answer has bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0. */
export function isRealTimeStatusByte(byte: number): boolean {
  return (byte & 0x93) === 0x12;
}

/** A `GS r 1` answer has bit 4 = 0 and bit 7 = 0 (bits 5, 6 are reserved). */
export function isPaperStatusByte(byte: number): boolean {
  return (byte & 0x90) === 0x00;
}

/** The facts one `DLE EOT n` answer byte carries, or null when it is not such an answer. */
export function parseStatusByte(n: StatusQuery, byte: number): Partial<PrinterStatus> | null {
  if (!isRealTimeStatusByte(byte)) return null;
  switch (n) {
    case 1: // bit 3: offline
      return { online: (byte & 0x08) === 0 };
    case 2: // bit 2: cover open; bit 5: printing stopped by paper end; (bit 6: an error occurred, detailed by n = 3)
      return { coverOpen: (byte & 0x04) !== 0, paperOut: (byte & 0x20) !== 0 };
    case 3: // bit 3: autocutter error; bit 5: unrecoverable error; (bit 6: auto-recoverable, e.g. head too hot)
      return { cutterError: (byte & 0x08) !== 0, unrecoverableError: (byte & 0x20) !== 0 };
    case 4: // bits 2-3: roll paper near-end sensor; bits 5-6: roll paper end sensor
      return { paperNearEnd: (byte & 0x0c) !== 0, paperOut: (byte & 0x60) !== 0 };
    default:
      return unreachable(n);
  }
}

function unreachable(n: never): never {
  throw new Error(`no such status query: ${String(n)}`);
}

/** The printer's status from its answers to DLE EOT 1, 2, 3, 4 (in that order), or null if any is not an answer. */
export function decodeStatus(answers: readonly number[]): PrinterStatus | null {
  if (answers.length !== 4) return null;
  const parts = ([1, 2, 3, 4] as const).map((n, i) => parseStatusByte(n, answers[i] ?? 0));
  if (parts.some((p) => p === null)) return null;
  const [p1, p2, p3, p4] = parts as Partial<PrinterStatus>[];
  return {
    online: p1?.online ?? false,
    coverOpen: p2?.coverOpen ?? false,
    paperNearEnd: p4?.paperNearEnd ?? false,
    paperOut: (p2?.paperOut ?? false) || (p4?.paperOut ?? false),
    cutterError: p3?.cutterError ?? false,
    unrecoverableError: p3?.unrecoverableError ?? false,
  };
}

/** The answer byte to `GS r 1`: bits 0-1 paper near end, bits 2-3 paper end. Null when not such an answer. */
export function parsePaperStatus(byte: number): { paperNearEnd: boolean; paperOut: boolean } | null {
  if (!isPaperStatusByte(byte)) return null;
  return { paperNearEnd: (byte & 0x03) !== 0, paperOut: (byte & 0x0c) !== 0 };
}

/** What a printer in this state answers to `DLE EOT n` (used by the virtual printer). */
export function statusAnswer(n: StatusQuery, s: PrinterStatus): number {
  const fixed = 0x12; // bit 1 and bit 4 are fixed to 1
  switch (n) {
    case 1:
      return fixed | (s.online ? 0 : 0x08);
    case 2:
      return (
        fixed | (s.coverOpen ? 0x04 : 0) | (s.paperOut ? 0x20 : 0) | (s.cutterError || s.unrecoverableError ? 0x40 : 0)
      );
    case 3:
      return fixed | (s.cutterError ? 0x08 : 0) | (s.unrecoverableError ? 0x20 : 0);
    case 4:
      return fixed | (s.paperNearEnd || s.paperOut ? 0x0c : 0) | (s.paperOut ? 0x60 : 0);
    default:
      return unreachable(n);
  }
}

/** What a printer in this state answers to `GS r 1`. */
export function paperStatusAnswer(s: Pick<PrinterStatus, 'paperNearEnd' | 'paperOut'>): number {
  return (s.paperNearEnd || s.paperOut ? 0x03 : 0) | (s.paperOut ? 0x0c : 0);
}

/** Why this printer cannot print now, or null when it can. A near-end roll still prints. */
export function statusProblem(s: PrinterStatus): DeviceErrorCode | null {
  if (s.coverOpen) return 'COVER_OPEN';
  if (s.paperOut) return 'PAPER_OUT';
  if (s.cutterError || s.unrecoverableError) return 'DEVICE_ERROR';
  if (!s.online) return 'OFFLINE';
  return null;
}
