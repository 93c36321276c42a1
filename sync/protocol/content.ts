/**
 * What a submission's sealed envelope holds: the personal part of a request,
 * as the kiosk seals it (sync/crypto/seal, the submission id as AAD) and the
 * hub opens it for an authorized clerk. The push item carries only the
 * non-personal routing fields; everything a resident typed or a card gave is
 * in here, so it is never readable on the kiosk once written.
 *
 * Versioned by `v`: a hub must open every version a kiosk in the field may still send.
 */
import { z } from 'zod';
import { CodeSchema } from './common';

export const SEALED_CONTENT_VERSION = 1;

/** Who the resident showed to be; a card read proves possession, not identity. */
export const SealedIdentitySchema = z.strictObject({
  source: z.enum(['scanner', 'magstripe', 'mrz', 'typed']),
  codiceFiscale: z
    .string()
    .regex(/^[A-Z0-9]{16}$/)
    .nullable(),
  surname: z.string().max(100).nullable(),
  givenNames: z.string().max(100).nullable(),
  birthDate: z.string().max(10).nullable(),
  document: z
    .strictObject({
      kind: z.enum(['CIE', 'idCard', 'passport']),
      number: z.string().max(20),
      issuingState: z.string().max(3),
      expiryDate: z.string().max(10),
    })
    .nullable(),
});
export type SealedIdentity = z.infer<typeof SealedIdentitySchema>;

export const CertificateContentSchema = z.strictObject({
  v: z.literal(SEALED_CONTENT_VERSION),
  kind: z.literal('certificate'),
  certificateType: CodeSchema,
  applicant: SealedIdentitySchema,
  subject: z.discriminatedUnion('relation', [
    z.strictObject({ relation: z.literal('self') }),
    z.strictObject({ relation: z.literal('family'), surname: z.string().max(100), givenNames: z.string().max(100) }),
  ]),
  stampDuty: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('notDue') }),
    z.strictObject({ kind: z.literal('exempt'), reason: z.string().max(64) }),
    z.strictObject({ kind: z.literal('stamp'), number: z.string().regex(/^\d{14}$/) }),
  ]),
  delivery: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('kiosk') }),
    z.strictObject({ kind: z.literal('townHall') }),
    z.strictObject({ kind: z.literal('email'), address: z.email().max(200) }),
  ]),
  /**
   * For pickup at the kiosk: the secret printed in the receipt's QR. The hub
   * derives the document's key from it; the kiosk keeps no copy.
   */
  pickupSecret: z.string().max(86).nullable(),
});
export type CertificateContent = z.infer<typeof CertificateContentSchema>;

export const ReportContentSchema = z.strictObject({
  v: z.literal(SEALED_CONTENT_VERSION),
  kind: z.literal('report'),
  place: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('street'), streetCode: z.string().max(32), streetName: z.string().max(200) }),
    z.strictObject({ kind: z.literal('nearKiosk') }),
  ]),
  /** Free text: may hold anything a resident typed, so it travels sealed. */
  description: z.string().min(1).max(1000),
  contact: z.strictObject({ email: z.email().max(200).nullable(), phone: z.string().max(20).nullable() }).nullable(),
});
export type ReportContent = z.infer<typeof ReportContentSchema>;

export const SealedContentSchema = z.discriminatedUnion('kind', [CertificateContentSchema, ReportContentSchema]);
export type SealedContent = z.infer<typeof SealedContentSchema>;
