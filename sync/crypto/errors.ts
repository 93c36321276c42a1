/**
 * Typed errors of sync/crypto. Inside the module a failure throws a
 * `CryptoError` with a `code`; request verification is the exception: a
 * refused request is an expected outcome and comes back as a value
 * (`verifyRequest` in ./sign).
 */
export const CRYPTO_ERROR_CODES = [
  /** The identity key file is readable by group/others, not a regular file, or owned by another user. */
  'IDENTITY_FILE_UNSAFE',
  /** The identity key file exists but does not hold an Ed25519 private key. */
  'IDENTITY_FILE_INVALID',
  /** A key or other base64url value is not the canonical encoding of the expected number of bytes. */
  'ENCODING_INVALID',
  /** A sealed envelope is too short or carries a version this code does not know. */
  'ENVELOPE_INVALID',
  /** The envelope could not be opened: wrong key, wrong AAD, or tampered bytes (indistinguishable by design). */
  'OPEN_FAILED',
] as const;
export type CryptoErrorCode = (typeof CRYPTO_ERROR_CODES)[number];

export class CryptoError extends Error {
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CryptoError';
  }
}
