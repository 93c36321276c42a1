/**
 * Verification codes printed on issued documents: 12 Crockford base32
 * characters (60 random bits) in three groups, `7KQ2-M9XD-4HZA`. Crockford's
 * alphabet has no I, L, O or U, so a code read aloud or retyped from paper is
 * unambiguous; `normalizeVerificationCode` forgives the usual slips (lower
 * case, O for 0, I or L for 1, missing or extra separators).
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 3;
const GROUP_LENGTH = 4;
const LENGTH = GROUPS * GROUP_LENGTH;

/** A fresh code from `random` (bytes; default crypto-strong in the caller). */
export function makeVerificationCode(randomBytes: (n: number) => Uint8Array): string {
  // 5 bits per character: one byte each, masked (32 divides 256, so no bias).
  const bytes = randomBytes(LENGTH);
  let chars = '';
  for (let i = 0; i < LENGTH; i += 1) chars += ALPHABET[bytes[i]! & 31];
  return group(chars);
}

function group(chars: string): string {
  const parts: string[] = [];
  for (let i = 0; i < chars.length; i += GROUP_LENGTH) parts.push(chars.slice(i, i + GROUP_LENGTH));
  return parts.join('-');
}

/** The canonical form of a typed code, or null when it cannot be one. */
export function normalizeVerificationCode(input: string): string | null {
  const cleaned = input
    .toUpperCase()
    .replace(/[\s\-_.]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (cleaned.length !== LENGTH) return null;
  for (const char of cleaned) if (!ALPHABET.includes(char)) return null;
  return group(cleaned);
}
