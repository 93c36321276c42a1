import { CryptoError } from './errors';

/** Bytes to unpadded base64url (RFC 4648 §5), the only text encoding of bytes on the wire. */
export function toBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Strict base64url decoding: Node's decoder silently skips foreign characters
 * and ignores non-zero trailing bits, so one key could be written several
 * ways. This accepts only the one canonical spelling (what `toBase64url`
 * makes), and, when `length` is given, exactly that many bytes.
 */
export function fromBase64url(text: string, length?: number): Uint8Array {
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) {
    throw new CryptoError('ENCODING_INVALID', 'not canonical base64url');
  }
  if (length !== undefined && bytes.byteLength !== length) {
    throw new CryptoError('ENCODING_INVALID', `expected ${length} bytes, got ${bytes.byteLength}`);
  }
  // A copy, not a view into Node's shared Buffer pool.
  return new Uint8Array(bytes);
}
