/**
 * A technician card scanned at the kiosk (the hub prints it as a QR):
 *
 *     SPORTELLO-TECH:1:<payload>.<signature>
 *
 * The format and its signature are defined in sync/protocol/technician-card;
 * this parser only recognises the text and checks its shape, so the scanner
 * service can route it away from the resident flows. The runtime verifies the
 * signature with the hub key it pinned. The token is a credential: it is never
 * logged, shown, stored, nor sent to the renderer.
 */
import type { Parsed } from './types';

export const TECHNICIAN_CARD_PREFIX = 'SPORTELLO-TECH';
/** Longest card line accepted; mirrors MAX_TECHNICIAN_CARD_CHARS of the protocol (hardware may not import sync). */
export const MAX_TECHNICIAN_CARD_CHARS = 480;

const TOKEN = /^[A-Za-z0-9_-]{40,400}\.[A-Za-z0-9_-]{86}$/;

export type TechnicianCard = { version: 1; token: string };

export function isTechnicianCardText(text: string): boolean {
  return text.startsWith(`${TECHNICIAN_CARD_PREFIX}:`);
}

/** Parses a scanned technician card; the detail names the part that is wrong, never its value. */
export function parseTechnicianCard(text: string): Parsed<TechnicianCard, 'card-invalid'> {
  if (!isTechnicianCardText(text)) return { ok: false, reason: 'card-invalid', detail: 'prefix' };
  if (text.length > MAX_TECHNICIAN_CARD_CHARS) return { ok: false, reason: 'card-invalid', detail: 'length' };
  const rest = text.slice(TECHNICIAN_CARD_PREFIX.length + 1);
  const colon = rest.indexOf(':');
  if (colon < 0 || rest.slice(0, colon) !== '1') return { ok: false, reason: 'card-invalid', detail: 'version' };
  const token = rest.slice(colon + 1);
  if (!TOKEN.test(token)) return { ok: false, reason: 'card-invalid', detail: 'token' };
  return { ok: true, value: { version: 1, token } };
}
