import { createHash } from 'node:crypto';

/**
 * Receipt codes: what the resident reads off the printed receipt or the screen
 * and may read aloud to a clerk on the phone. Eight characters of Crockford's
 * base32 (no I, L, O or U: nothing to confuse with 1, 0 or V), 40 bits taken
 * from a SHA-256 of the submission id, so the code reveals neither the id nor
 * the time of the request. Uniqueness is the store's job (a UNIQUE column);
 * on the rare clash the store derives again with the next `attempt`.
 */
export const RECEIPT_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const RECEIPT_CODE_LENGTH = 8;

/** The receipt code for `id`; `attempt` > 0 only after a clash with an existing code. */
export function receiptCodeFor(id: string, attempt = 0): string {
  const digest = createHash('sha256')
    .update(attempt === 0 ? id : `${id}#${attempt}`)
    .digest();
  // The first five bytes are exactly 40 bits: eight 5-bit digits.
  let bits = 0n;
  for (let i = 0; i < 5; i += 1) bits = (bits << 8n) | BigInt(digest[i] as number);
  let code = '';
  for (let i = RECEIPT_CODE_LENGTH - 1; i >= 0; i -= 1) {
    code += RECEIPT_ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  }
  return code;
}

/**
 * What a person typed, as a stored code: case, spaces and hyphens ignored, and
 * the letters Crockford reads as digits (O → 0, I and L → 1) accepted. Returns
 * null when it cannot be a receipt code.
 */
export function normalizeReceiptCode(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (code.length !== RECEIPT_CODE_LENGTH) return null;
  for (const ch of code) if (!RECEIPT_ALPHABET.includes(ch)) return null;
  return code;
}

/** The code as printed and shown: two groups of four, `7KQ3-9MXD`. */
export function formatReceiptCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}
