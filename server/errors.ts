/**
 * Typed errors of the hub's own functions (admin operations, startup). A
 * refusal on the wire is not one of these: it is a coded ErrorBody value
 * (sync/protocol/errors), built where the request is answered.
 */
export const HUB_ERROR_CODES = [
  /** An argument does not have the expected shape (ISTAT code, frazione code, status…). */
  'INVALID_INPUT',
  /** The comune, frazione, kiosk or request named does not exist. */
  'NOT_FOUND',
  /** It exists already (comune, frazione). */
  'ALREADY_EXISTS',
  /** The operation does not apply in the current state (a status change on a rejected request). */
  'INVALID_STATE',
] as const;
export type HubErrorCode = (typeof HUB_ERROR_CODES)[number];

export class HubError extends Error {
  constructor(
    readonly code: HubErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HubError';
  }
}

/** Exhaustiveness guard for switches over closed unions. */
export function unreachable(value: never): never {
  throw new Error(`unreachable: ${String(value)}`);
}
