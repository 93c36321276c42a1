/**
 * Documents waiting for pickup at a kiosk, encrypted under a key only the
 * resident's receipt can give.
 *
 * The kiosk prints a random pickup secret inside the receipt's QR and sends
 * it to the hub only sealed inside the request (sync/protocol/content); it
 * keeps no copy. When a clerk issues the document, the hub derives
 *
 *   key = HKDF-SHA256(ikm = secret bytes, salt = document id, info = PICKUP_INFO, 32 bytes)
 *
 * and encrypts with AES-256-GCM (12-byte random nonce, AAD = document id).
 * The kiosk stores the envelope; at pickup the resident's QR gives the
 * secret again and the document opens, in memory only.
 *
 * Envelope (version 1): 0x01 ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes).
 *
 * The secret has 192 bits of entropy, so a stolen kiosk database cannot be
 * brute-forced; wrong codes typed at the kiosk are rate-limited there anyway.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { fromBase64url } from './base64url';
import { CryptoError } from './errors';

export const PICKUP_ENVELOPE_VERSION = 1;
export const PICKUP_INFO = 'sportello/v1/pickup';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** The smallest secret accepted: 16 bytes (the kiosk makes 24). */
const MIN_SECRET_BYTES = 16;

function keyFor(secret: string, documentId: string): Buffer {
  let ikm: Uint8Array;
  try {
    ikm = fromBase64url(secret);
  } catch (err) {
    throw new CryptoError('ENCODING_INVALID', 'the pickup secret is not base64url', { cause: err });
  }
  if (ikm.length < MIN_SECRET_BYTES) throw new CryptoError('ENCODING_INVALID', 'the pickup secret is too short');
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.from(documentId, 'utf8'), PICKUP_INFO, KEY_BYTES));
}

/** Encrypts a document for pickup with the resident's secret (the hub does this). */
export function sealForPickup(secret: string, documentId: string, plaintext: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret, documentId), nonce);
  cipher.setAAD(Buffer.from(documentId, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(PICKUP_ENVELOPE_VERSION), nonce, body, cipher.getAuthTag()]);
}

/** Opens a pickup envelope; throws CryptoError OPEN_FAILED for a wrong secret, id or tampered bytes. */
export function openPickup(secret: string, documentId: string, envelope: Uint8Array): Uint8Array {
  if (envelope.length < 1 + NONCE_BYTES + TAG_BYTES || envelope[0] !== PICKUP_ENVELOPE_VERSION) {
    throw new CryptoError('ENVELOPE_INVALID', 'not a pickup envelope of a known version');
  }
  const bytes = Buffer.from(envelope);
  const nonce = bytes.subarray(1, 1 + NONCE_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const body = bytes.subarray(1 + NONCE_BYTES, bytes.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secret, documentId), nonce);
    decipher.setAAD(Buffer.from(documentId, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError('OPEN_FAILED', 'the pickup document does not open with this secret', { cause: err });
  }
}
