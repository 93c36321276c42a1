/**
 * The QR code on the kiosk's own receipts, scanned back at "Stato pratica" and
 * "Ritiro documenti":
 *
 *     SPORTELLO:1:<request code>[:<pickup secret>]
 *
 * - `SPORTELLO` and the version `1` are literal; a later format bumps the version.
 * - `<request code>` is the receipt code printed in clear under the QR:
 *   4–32 characters of A–Z and 0–9 in groups joined by single hyphens
 *   (`K7-2024-000123`). It identifies the request; it is not a secret.
 * - `<pickup secret>` is present only on receipts that can collect a document:
 *   16–64 random bytes in unpadded base64url (22–86 characters). Documents waiting
 *   for pickup are encrypted under a key derived from it and the kiosk never stores
 *   it, so it must never be logged or shown (diagnostics show only whether it was there).
 *
 * Upper-case prefix and code keep the QR short; the secret forces byte mode anyway.
 */
import type { Parsed } from './types';

export const RECEIPT_QR_PREFIX = 'SPORTELLO';
export const RECEIPT_QR_VERSION = 1;

export type ReceiptQr = { version: 1; requestCode: string; pickupSecret: string | null };

const REQUEST_CODE = /^[A-Z0-9]+(?:-[A-Z0-9]+)*$/;
const PICKUP_SECRET = /^[A-Za-z0-9_-]{22,86}$/;

export function isRequestCode(code: string): boolean {
  return code.length >= 4 && code.length <= 32 && REQUEST_CODE.test(code);
}

export function isPickupSecret(secret: string): boolean {
  // A base64 text of n bytes never has length ≡ 1 (mod 4).
  return PICKUP_SECRET.test(secret) && secret.length % 4 !== 1;
}

/** The QR payload for a receipt; throws on a code or secret outside the format (a bug, not a user error). */
export function formatReceiptQr(receipt: { requestCode: string; pickupSecret?: string | null }): string {
  if (!isRequestCode(receipt.requestCode)) throw new Error('formatReceiptQr: request code outside the format');
  const secret = receipt.pickupSecret ?? null;
  if (secret !== null && !isPickupSecret(secret)) throw new Error('formatReceiptQr: pickup secret outside the format');
  const head = `${RECEIPT_QR_PREFIX}:${RECEIPT_QR_VERSION}:${receipt.requestCode}`;
  return secret === null ? head : `${head}:${secret}`;
}

export function isReceiptQrText(text: string): boolean {
  return text.startsWith(`${RECEIPT_QR_PREFIX}:`);
}

/** Parses a scanned receipt QR; the detail names the part that is wrong, never its value. */
export function parseReceiptQr(text: string): Parsed<ReceiptQr, 'receipt-invalid'> {
  const parts = text.split(':');
  if (parts[0] !== RECEIPT_QR_PREFIX) return { ok: false, reason: 'receipt-invalid', detail: 'prefix' };
  if (parts[1] !== String(RECEIPT_QR_VERSION)) return { ok: false, reason: 'receipt-invalid', detail: 'version' };
  if (parts.length !== 3 && parts.length !== 4) return { ok: false, reason: 'receipt-invalid', detail: 'parts' };
  const requestCode = parts[2] ?? '';
  if (!isRequestCode(requestCode)) return { ok: false, reason: 'receipt-invalid', detail: 'request-code' };
  const pickupSecret = parts[3] ?? null;
  if (pickupSecret !== null && !isPickupSecret(pickupSecret)) {
    return { ok: false, reason: 'receipt-invalid', detail: 'pickup-secret' };
  }
  return { ok: true, value: { version: 1, requestCode, pickupSecret } };
}
