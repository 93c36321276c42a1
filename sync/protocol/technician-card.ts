/**
 * Technician cards: a token the hub issues to a console user with the
 * technician (or admin) role, printed as a QR and scanned at the kiosk, which
 * verifies it OFFLINE with the hub signing key it pinned at enrollment.
 *
 * On the card (a QR the kiosk's barcode scanner reads as one line):
 *
 *     SPORTELLO-TECH:1:<payload>.<signature>
 *
 * - `<payload>`: unpadded base64url of the JSON `TechnicianCardPayload`
 *   (card id, the technician's console id and login, comune, issued-at and
 *   expiry in seconds). No other personal data.
 * - `<signature>`: unpadded base64url of the Ed25519 signature, by the hub's
 *   signing key, over `sportello-technician-card-v1\n<payload>` (a scheme of
 *   its own, so no signed request or response can ever pass for a card).
 *
 * The whole line stays under MAX_TECHNICIAN_CARD_CHARS, well inside the
 * scanner decoder's 512-byte line limit (hardware/readers/scanner.ts).
 * Revoked card ids reach the kiosks in every pull (`revokedCards`).
 */
import { z } from 'zod';
import { IstatCodeSchema, UuidV7Schema } from './common';

export const TECHNICIAN_CARD_PREFIX = 'SPORTELLO-TECH';
export const TECHNICIAN_CARD_VERSION = 1;
/** Longest card text a kiosk accepts: 36-char ids, a 64-char login, the signature and the prefix fit with room. */
export const MAX_TECHNICIAN_CARD_CHARS = 480;
/** Default validity of a card issued by the hub. */
export const DEFAULT_CARD_VALIDITY_MS = 365 * 24 * 3_600_000;

export const CardIdSchema = UuidV7Schema;

export const TechnicianCardPayloadSchema = z.strictObject({
  v: z.literal(1),
  /** Card id (UUIDv7): what revocation and the kiosk's audit (`card:<id>`) name. */
  id: CardIdSchema,
  /** The console user the card was issued to (UUIDv7). */
  sub: UuidV7Schema,
  /** The technician's console login, for the audit log. */
  login: z.string().regex(/^[a-z0-9][a-z0-9._-]{2,63}$/),
  /** ISTAT code of the comune whose kiosks accept it. */
  comune: IstatCodeSchema,
  /** Issued at / expires at, seconds since the epoch. */
  iat: z.number().int().nonnegative(),
  exp: z.number().int().nonnegative(),
});
export type TechnicianCardPayload = z.infer<typeof TechnicianCardPayloadSchema>;

/** Why a kiosk refuses a card (shown to the technician, counted towards the PIN lockout). */
export const CARD_REFUSALS = [
  'malformed', // not a card this kiosk can read
  'forged', // the signature is not the hub's
  'expired', // past `exp` (or issued in the future)
  'revoked', // the hub revoked it (as of the last pull)
  'other-comune', // issued for another comune's kiosks
  'not-enrolled', // the kiosk has no pinned hub key to check it with
] as const;
export const CardRefusalSchema = z.enum(CARD_REFUSALS);
export type CardRefusal = z.infer<typeof CardRefusalSchema>;
