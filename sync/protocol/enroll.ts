/**
 * POST /v1/enroll — a kiosk joins the hub with a one-time code a clerk made
 * at the hub, which binds it to a comune and a frazione.
 *
 * Signed like every request, with the key being enrolled: the hub verifies it
 * against `publicKey` from the body (its key id must equal the
 * `x-sportello-key` header), which proves the kiosk holds the private key.
 * The kiosk pins both hub keys from the answer; it trusts them because the
 * code came out of band and the channel is TLS.
 */
import { z } from 'zod';
import { CodeSchema, IstatCodeSchema, RawKeySchema, SoftwareVersionSchema } from './common';

/** One-time enrollment code as typed by the technician; the hub normalises case and dashes. */
export const EnrollmentCodeSchema = z
  .string()
  .min(6)
  .max(64)
  .regex(/^[A-Za-z0-9-]+$/, 'letters, digits and dashes only');

export const EnrollRequestSchema = z.strictObject({
  code: EnrollmentCodeSchema,
  /** The kiosk's Ed25519 public key (raw, base64url). */
  publicKey: RawKeySchema,
  softwareVersion: SoftwareVersionSchema,
});
export type EnrollRequest = z.infer<typeof EnrollRequestSchema>;

export const EnrollResponseSchema = z.object({
  /** The hub's id of this kiosk: stable across key changes, unlike the key id. */
  kioskId: z.uuid(),
  comune: z.object({ istat: IstatCodeSchema, name: z.string().min(1).max(200) }),
  frazione: z.object({ code: CodeSchema, name: z.string().min(1).max(200) }),
  hubKeys: z.object({
    /** Ed25519: signs the hub's responses (sync/crypto/sign `signResponse`). */
    signing: RawKeySchema,
    /** X25519: personal data is sealed to it (sync/crypto/seal). */
    encryption: RawKeySchema,
  }),
});
export type EnrollResponse = z.infer<typeof EnrollResponseSchema>;
