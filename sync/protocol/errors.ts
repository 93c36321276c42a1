/**
 * Errors on the wire: every refusal of the hub is an HTTP status with the body
 * `{ "error": { "code", "message" } }`. The code is what the kiosk acts on;
 * the message is for a technician's log and never carries personal data.
 *
 * These are request-level refusals: nothing in the request was stored, and
 * none of them ever rejects a queued item (item rejections are per-item
 * results inside a 200 push response, see ./push).
 */
import { z } from 'zod';

/**
 * Refusals of the request signature (sync/crypto/sign `verifyRequest`), in
 * the order the hub checks them.
 */
export const SIGNATURE_ERROR_CODES = [
  /** A signature header is missing, repeated or malformed. */
  'UNSIGNED',
  /** No enrolled kiosk has this key id. Re-enrollment needed. */
  'UNKNOWN_KIOSK',
  /** The key was revoked at the hub. Re-enrollment needed. */
  'REVOKED_KIOSK',
  /** The timestamp is outside the hub's window. Kiosk: correct the clock from the response's `Date` header, retry. */
  'STALE_TIMESTAMP',
  /** The signature does not match method, path, timestamp, nonce, digest or key id. */
  'BAD_SIGNATURE',
  /** The signature is good but the body is not the one signed (changed in transit). */
  'BAD_DIGEST',
  /** This nonce was already used by this key inside the window. Kiosk: retry with a fresh signature. */
  'REPLAYED_NONCE',
] as const;
export type SignatureErrorCode = (typeof SIGNATURE_ERROR_CODES)[number];

export const ERROR_CODES = [
  ...SIGNATURE_ERROR_CODES,
  /** The body or query does not match the schema (unknown field, bad id, oversize batch…). Nothing stored. */
  'INVALID_REQUEST',
  /** The body is larger than MAX_BODY_BYTES. */
  'PAYLOAD_TOO_LARGE',
  /** Too many requests from this kiosk or address; honour `Retry-After`. */
  'RATE_LIMITED',
  /** The enrollment code is unknown, used or expired. */
  'ENROLLMENT_CODE_INVALID',
  'NOT_FOUND',
  /** The hub failed; retry with backoff. */
  'INTERNAL',
] as const;
export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** HTTP status the hub answers with each code. */
export const ERROR_HTTP_STATUS = {
  UNSIGNED: 401,
  UNKNOWN_KIOSK: 401,
  REVOKED_KIOSK: 403,
  STALE_TIMESTAMP: 401,
  BAD_SIGNATURE: 401,
  BAD_DIGEST: 400,
  REPLAYED_NONCE: 401,
  INVALID_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  ENROLLMENT_CODE_INVALID: 403,
  NOT_FOUND: 404,
  INTERNAL: 500,
} as const satisfies Record<ErrorCode, number>;

export const ErrorBodySchema = z.object({
  error: z.object({ code: ErrorCodeSchema, message: z.string().max(1000) }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
