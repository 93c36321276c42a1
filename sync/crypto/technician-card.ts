/**
 * Technician cards (format in sync/protocol/technician-card): the hub signs
 * with its Ed25519 signing key, the kiosk verifies offline with the key it
 * pinned at enrollment. The token is a credential: never log or store it.
 */
import { verify as ed25519Verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  MAX_TECHNICIAN_CARD_CHARS,
  TECHNICIAN_CARD_PREFIX,
  TECHNICIAN_CARD_VERSION,
  TechnicianCardPayloadSchema,
} from '../protocol/technician-card';
import type { CardRefusal, TechnicianCardPayload } from '../protocol/technician-card';
import { fromBase64url, toBase64url } from './base64url';
import { decodeEd25519PublicKey } from './keys';

const SCHEME = 'sportello-technician-card-v1';
const SIGNATURE_BYTES = 64;
const TOKEN = /^([A-Za-z0-9_-]{40,400})\.([A-Za-z0-9_-]{86})$/;

function signedBytes(payload: string): Uint8Array {
  return Buffer.from(`${SCHEME}\n${payload}`, 'utf8');
}

/** Signs a card; returns the token (`<payload>.<signature>`) that goes after the card prefix. */
export function signTechnicianCard(
  payload: TechnicianCardPayload,
  signer: { sign: (data: Uint8Array) => Uint8Array },
): string {
  const checked = TechnicianCardPayloadSchema.parse(payload);
  const body = toBase64url(Buffer.from(JSON.stringify(checked), 'utf8'));
  return `${body}.${toBase64url(signer.sign(signedBytes(body)))}`;
}

/** The text printed in the card's QR: `SPORTELLO-TECH:1:<token>`. */
export function technicianCardText(token: string): string {
  const text = `${TECHNICIAN_CARD_PREFIX}:${TECHNICIAN_CARD_VERSION}:${token}`;
  if (text.length > MAX_TECHNICIAN_CARD_CHARS) throw new RangeError('technician card text is too long');
  return text;
}

export type CardVerification = { ok: true; card: TechnicianCardPayload } | { ok: false; reason: CardRefusal };

/**
 * Checks a card token offline, in this order: shape (malformed), signature by
 * the pinned hub key (forged), comune (other-comune), validity window
 * (expired), revocation list as last pulled (revoked).
 */
export function verifyTechnicianCard(
  token: string,
  options: {
    hubPublicKey: string | KeyObject;
    comune: string;
    now: number;
    isRevoked: (cardId: string) => boolean;
  },
): CardVerification {
  const match = TOKEN.exec(token);
  if (match === null) return { ok: false, reason: 'malformed' };
  const [, body, signature] = match as unknown as [string, string, string];
  let sig: Uint8Array;
  let json: unknown;
  try {
    sig = fromBase64url(signature, SIGNATURE_BYTES);
    json = JSON.parse(Buffer.from(fromBase64url(body)).toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const key =
    typeof options.hubPublicKey === 'string' ? decodeEd25519PublicKey(options.hubPublicKey) : options.hubPublicKey;
  if (!ed25519Verify(null, signedBytes(body), key, sig)) return { ok: false, reason: 'forged' };
  const parsed = TechnicianCardPayloadSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const card = parsed.data;
  if (card.comune !== options.comune) return { ok: false, reason: 'other-comune' };
  const nowS = Math.floor(options.now / 1000);
  // A card "issued" more than a day ahead is as unusable as an expired one (a clock far off, or a bad card).
  if (nowS >= card.exp || card.iat > nowS + 86_400) return { ok: false, reason: 'expired' };
  if (options.isRevoked(card.id)) return { ok: false, reason: 'revoked' };
  return { ok: true, card };
}
