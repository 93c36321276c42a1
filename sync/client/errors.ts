import type { ErrorCode } from '../protocol/errors';

/**
 * Why a call to the hub failed, as the sync client acts on it. The protocol's
 * own codes (`REVOKED_KIOSK`, `INVALID_REQUEST`, …) come through unchanged;
 * the rest are failures the hub never names:
 */
export const CLIENT_ERROR_CODES = [
  /** No answer: connection refused, reset, DNS… */
  'HUB_UNREACHABLE',
  /** No complete answer within the request timeout. */
  'HUB_TIMEOUT',
  /** A 5xx (or 429) that did not carry a protocol error body, e.g. from a reverse proxy. */
  'HUB_ERROR',
  /** The answer is unsigned or not signed by the pinned hub key: nothing in it is trusted. */
  'HUB_KEY_MISMATCH',
  /** Signed, but the body is not the one signed, not JSON, or not the protocol's schema. */
  'BAD_RESPONSE',
  /** The client was stopped while the call was in flight. */
  'STOPPED',
  /** A bug or a local failure (e.g. the store) in the middle of a sync cycle. */
  'CLIENT_FAILURE',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];
export type SyncErrorCode = ClientErrorCode | ErrorCode;

export type SyncErrorDetails = {
  /** HTTP status of the answer, when there was one. */
  status?: number;
  /** The hub's `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** The hub's clock from the answer's `Date` header (epoch ms), to correct ours after STALE_TIMESTAMP. */
  serverTimeMs?: number;
  cause?: unknown;
};

/** A failed call to the hub; `code` is what the caller acts on, `message` is for a technician's log. */
export class SyncError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    readonly details: SyncErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SyncError';
  }
}

/**
 * Refusals of a whole push because of what was in it (the protocol's rule:
 * resend one by one to find the bad item). Every other failure is not the
 * items' fault and holds the queue.
 */
export function isBatchRefusal(error: unknown): error is SyncError {
  return error instanceof SyncError && (error.code === 'INVALID_REQUEST' || error.code === 'PAYLOAD_TOO_LARGE');
}
