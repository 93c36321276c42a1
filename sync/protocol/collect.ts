/**
 * POST /v1/collect — the kiosk reports documents a resident collected.
 *
 * A document issued for pickup at a kiosk (sync/protocol/pull `documents`)
 * is printed there when the resident brings the receipt and the same card;
 * the kiosk then deletes the envelope and reports the collection here, so
 * the back office sees it and the hub deletes its copy of the envelope.
 *
 * Idempotent: a collection already recorded is answered `recorded` again
 * (with the first instant kept), so a kiosk resends a batch whole after any
 * failure. `unknown` means the hub has no such document for this kiosk: the
 * kiosk stops reporting it. One result per item, in request order.
 */
import { z } from 'zod';
import { TimestampSchema, UuidV7Schema } from './common';
import { MAX_BATCH } from './limits';

export const CollectItemSchema = z.strictObject({
  documentId: UuidV7Schema,
  /** When the document was printed for the resident, by the kiosk's clock. */
  collectedAt: TimestampSchema,
});
export type CollectItem = z.infer<typeof CollectItemSchema>;

export const CollectRequestSchema = z
  .strictObject({ items: z.array(CollectItemSchema).min(1).max(MAX_BATCH) })
  .superRefine((request, ctx) => {
    const seen = new Set<string>();
    request.items.forEach((item, index) => {
      if (seen.has(item.documentId)) {
        ctx.addIssue({ code: 'custom', message: 'duplicate documentId in batch', path: ['items', index] });
      }
      seen.add(item.documentId);
    });
  });
export type CollectRequest = z.infer<typeof CollectRequestSchema>;

export const COLLECT_STATUSES = [
  /** Recorded now or before: the kiosk is done with it. */
  'recorded',
  /** No document with this id was issued for pickup at this kiosk. */
  'unknown',
] as const;

export const CollectItemResultSchema = z.object({
  documentId: UuidV7Schema,
  status: z.enum(COLLECT_STATUSES),
});
export type CollectItemResult = z.infer<typeof CollectItemResultSchema>;

export const CollectResponseSchema = z.object({ results: z.array(CollectItemResultSchema).max(MAX_BATCH) });
export type CollectResponse = z.infer<typeof CollectResponseSchema>;
