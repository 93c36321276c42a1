/**
 * POST /v1/push — the kiosk delivers queued submissions.
 *
 * Each item carries its own idempotency key (`id`, a UUIDv7 made on the kiosk
 * when the resident submitted). The hub stores each id once and answers every
 * retry of it with the first answer, so a batch may be resent whole after any
 * failure. The answer has one result per item, in request order.
 *
 * A batch that fails validation is refused whole (400 INVALID_REQUEST, nothing
 * stored). A kiosk that gets that resends the items one by one to find the bad
 * one, and moves only that one to rejected.
 */
import { z } from 'zod';
import { CodeSchema, LocaleSchema, TimestampSchema, UuidV7Schema } from './common';
import { MAX_BATCH, MAX_SEALED_CHARS } from './limits';

export const SUBMISSION_KINDS = ['certificate', 'report', 'info-request'] as const;
export const SubmissionKindSchema = z.enum(SUBMISSION_KINDS);
export type SubmissionKind = z.infer<typeof SubmissionKindSchema>;

/** Shortest possible envelope (version, recipient, encapsulated key, AEAD tag: 57 bytes) in base64url. */
const MIN_SEALED_CHARS = 76;

/**
 * The personal data of one submission, sealed to the hub's encryption key
 * with the submission id as AAD (sync/crypto/seal), in base64url.
 */
export const SealedSchema = z
  .base64url()
  .min(MIN_SEALED_CHARS)
  .max(MAX_SEALED_CHARS)
  .meta({ description: 'HPKE envelope (sync/crypto/seal), unpadded base64url' });

/**
 * One submission. Everything outside `sealed` is non-personal and kept in the
 * clear at the hub for routing and statistics.
 */
export const PushItemSchema = z.strictObject({
  id: UuidV7Schema,
  kind: SubmissionKindSchema,
  /** Catalog code of the service or ANPR certificate type requested. */
  service: CodeSchema,
  /** The language the resident used; the hub answers in it. */
  locale: LocaleSchema,
  /** Frazione of the kiosk; the hub checks it against the enrollment. */
  frazione: CodeSchema,
  /** When the resident submitted, by the kiosk's clock. */
  createdAt: TimestampSchema,
  sealed: SealedSchema,
});
export type PushItem = z.infer<typeof PushItemSchema>;

export const PushRequestSchema = z
  .strictObject({ items: z.array(PushItemSchema).min(1).max(MAX_BATCH) })
  .superRefine((request, ctx) => {
    const seen = new Set<string>();
    request.items.forEach((item, index) => {
      if (seen.has(item.id)) {
        ctx.addIssue({ code: 'custom', message: 'duplicate id in batch', path: ['items', index, 'id'] });
      }
      seen.add(item.id);
    });
  });
export type PushRequest = z.infer<typeof PushRequestSchema>;

/**
 * Why the hub refused one item for good. Permanent: the kiosk moves the item to
 * rejected and keeps the reason for technicians; a transient failure is a
 * request-level 5xx instead, and never appears here.
 */
export const ITEM_REJECTION_CODES = [
  /** The envelope is sealed to a key the hub does not hold, or does not open with this id as AAD. */
  'SEAL_INVALID',
  /** It opens, but the content is not a valid submission of this kind. */
  'CONTENT_INVALID',
  /** `service` is not in the hub's catalog (or not for this kind). */
  'UNKNOWN_SERVICE',
  /** `frazione` is not the one this kiosk is enrolled in. */
  'FRAZIONE_MISMATCH',
  /** The id was already stored with different content. */
  'ID_CONFLICT',
] as const;
export const ItemRejectionCodeSchema = z.enum(ITEM_REJECTION_CODES);
export type ItemRejectionCode = z.infer<typeof ItemRejectionCodeSchema>;

export const PushItemResultSchema = z.discriminatedUnion('status', [
  z.object({
    id: UuidV7Schema,
    status: z.literal('accepted'),
    /** The comune's protocol number, as printed for the resident (e.g. `C240-2026-000123`). */
    protocolNumber: z.string().min(1).max(64),
    acceptedAt: TimestampSchema,
  }),
  z.object({
    id: UuidV7Schema,
    status: z.literal('rejected'),
    code: ItemRejectionCodeSchema,
    /** For technicians; never personal data. */
    reason: z.string().max(500),
  }),
]);
export type PushItemResult = z.infer<typeof PushItemResultSchema>;

export const PushResponseSchema = z.object({
  results: z.array(PushItemResultSchema).max(MAX_BATCH),
});
export type PushResponse = z.infer<typeof PushResponseSchema>;
