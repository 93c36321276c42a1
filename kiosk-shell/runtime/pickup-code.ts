/**
 * The pickup code printed under a kiosk-pickup receipt's QR, for a resident
 * whose QR cannot be read: the pickup secret itself, the same bytes, written
 * in Crockford's base32 instead of base64url, so it can be typed on the
 * kiosk's code keyboard (digits and capitals; case, spaces and hyphens
 * ignored; O read as 0, I and L as 1).
 *
 * It must be the whole secret: the document opens only with a key derived
 * from all of it (sync/crypto/pickup), and a shorter code would either not
 * open it or weaken what protects a stolen kiosk database. 24 bytes make 39
 * characters, printed in groups of four.
 */
import { fromBase64url, toBase64url } from '../../sync/crypto/base64url';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The pickup code of a base64url secret (39 characters for the kiosk's 24-byte secrets). */
export function pickupCodeOf(secret: string): string {
  const bytes = fromBase64url(secret);
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** The code as typed, normalised: upper case, no separators, Crockford's look-alikes read as digits. */
export function normalisePickupCode(typed: string): string {
  return typed
    .toUpperCase()
    .replace(/[\s\-–_.]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

/**
 * The base64url secret a typed pickup code stands for, or null when it cannot
 * be one (a foreign character, a length no whole number of bytes makes, or
 * non-zero padding bits: only the spelling `pickupCodeOf` prints is accepted).
 */
export function secretOfPickupCode(typed: string): string | null {
  const code = normalisePickupCode(typed);
  const byteCount = Math.floor((code.length * 5) / 8);
  if (byteCount < 16 || Math.ceil((byteCount * 8) / 5) !== code.length) return null;
  const bytes = new Uint8Array(byteCount);
  let buffer = 0;
  let bits = 0;
  let i = 0;
  for (const ch of code) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    buffer = (buffer << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bytes[i++] = (buffer >> (bits - 8)) & 0xff;
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  if (buffer !== 0) return null;
  return toBase64url(bytes);
}

/** `ABCD EFGH …`: groups of four, separated by spaces so a narrow roll wraps between groups. */
export function groupPickupCode(code: string, separator = ' '): string {
  return (code.match(/.{1,4}/g) ?? []).join(separator);
}
