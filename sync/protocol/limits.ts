/**
 * Size limits of the protocol. The hub enforces them (a larger body is a 413
 * PAYLOAD_TOO_LARGE before it is parsed); the kiosk respects them when it
 * seals and batches, so a schema-valid batch always fits in the body limit
 * (checked by a test).
 */

/** Most items in one push. */
export const MAX_BATCH = 50;

/**
 * Largest sealed envelope of one item, in bytes before base64url. The plaintext
 * may be this minus the envelope overhead (`ENVELOPE_OVERHEAD_BYTES` in
 * sync/crypto/seal). Form data fits with room to spare; files (photos,
 * documents) do not travel in a push.
 */
export const MAX_SEALED_BYTES = 16 * 1024;

/** Length of `MAX_SEALED_BYTES` in unpadded base64url. */
export const MAX_SEALED_CHARS = Math.ceil((MAX_SEALED_BYTES * 4) / 3);

/** Largest request body the hub reads, any endpoint. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Longest opaque pull cursor. */
export const MAX_CURSOR_CHARS = 512;

/** Largest document a kiosk keeps for pickup (receipt-format text, not a PDF). */
export const MAX_PICKUP_ENVELOPE_BYTES = 64 * 1024;
/** Length of `MAX_PICKUP_ENVELOPE_BYTES` in unpadded base64url. */
export const MAX_PICKUP_ENVELOPE_CHARS = Math.ceil((MAX_PICKUP_ENVELOPE_BYTES * 4) / 3);
