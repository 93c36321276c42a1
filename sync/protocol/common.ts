/**
 * Building blocks of the sync protocol (kiosk ↔ hub). zod only: this folder
 * is the wire contract, shared by the kiosk's sync client and the hub, and the
 * source of the hub's OpenAPI document.
 *
 * Compatibility rule: the hub is upgraded before the kiosks. So requests are
 * strict (`z.strictObject`: an unknown field is a 400, nothing stored) and
 * responses are tolerant (`z.object`: a kiosk ignores fields a newer hub
 * adds). A new enum value in a response needs a new path version (/v2).
 */
import { z } from 'zod';

/** Languages of the kiosk UI; mirrors LOCALES of the kiosk API contract (sync/ may not import it). */
export const LOCALES = ['it', 'en', 'de', 'fr', 'ar'] as const;
export const LocaleSchema = z.enum(LOCALES);
export type Locale = z.infer<typeof LocaleSchema>;

/** Text in the kiosk's languages; Italian is required and is the fallback for the rest. */
export const LocalizedTextSchema = z.object({
  it: z.string().min(1).max(2000),
  en: z.string().min(1).max(2000).optional(),
  de: z.string().min(1).max(2000).optional(),
  fr: z.string().min(1).max(2000).optional(),
  ar: z.string().min(1).max(2000).optional(),
});
export type LocalizedText = z.infer<typeof LocalizedTextSchema>;

/**
 * A UUIDv7 in canonical lowercase form. Lowercase only: ids are idempotency
 * keys compared as strings, so `ABC…` and `abc…` must not both be accepted.
 */
export const UuidV7Schema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'expected a lowercase UUIDv7')
  .meta({ format: 'uuid', description: 'UUIDv7, lowercase canonical form' });

/** An instant, ISO 8601 in UTC with a Z (milliseconds optional): `2025-03-01T08:15:00.000Z`. */
export const TimestampSchema = z.iso.datetime().meta({ description: 'ISO 8601 instant in UTC (Z)' });

/**
 * 32 raw key bytes (Ed25519 or X25519) in canonical unpadded base64url: 43
 * characters, the last one carrying two zero padding bits.
 */
export const RawKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/, 'expected 32 bytes in canonical base64url')
  .meta({ description: '32-byte raw public key, unpadded base64url', contentEncoding: 'base64url' });

/** ISTAT code of a comune: six digits (e.g. 022205). */
export const IstatCodeSchema = z.string().regex(/^\d{6}$/, 'ISTAT code is six digits');

/** Lowercase kebab-case identifier for things the hub names: frazioni, services, certificate types. */
export const CodeSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected a lowercase kebab-case code');

/** A software version as the kiosk reports it (semver, optionally with prerelease/build). */
export const SoftwareVersionSchema = z
  .string()
  .max(64)
  .regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/, 'expected a semantic version');

export const NonNegativeIntSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/**
 * Version of a published catalog, opaque to the kiosk (a counter or a content
 * hash, the hub's choice): it changes whenever the content does, and is only
 * ever compared for equality.
 */
export const CatalogVersionSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, 'catalog version is a short opaque token');
