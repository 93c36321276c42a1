/**
 * POST /v1/audit — the kiosk sends its technician audit log to the hub.
 *
 * Each row carries the kiosk's own row id (an integer that only grows on that
 * kiosk): the hub stores (kiosk, id) once and answers `stored` for a row it
 * already has, so a kiosk resends a batch whole after any failure and every
 * row reaches the hub exactly once. Rows hold ids, action names, codes and
 * counts: no PIN, token or personal data (the kiosk writes them that way).
 */
import { z } from 'zod';
import { NonNegativeIntSchema, TimestampSchema } from './common';
import { MAX_BATCH } from './limits';

const DetailValueSchema = z.union([z.string().max(200), z.number(), z.boolean(), z.null()]);

export const AuditItemSchema = z.strictObject({
  /** The kiosk's row id (technician_audit.id). */
  id: NonNegativeIntSchema,
  at: TimestampSchema,
  /** 'pin' or 'card:<card id>'. */
  actor: z.string().regex(/^[a-z][a-z0-9:._-]{0,79}$/),
  /** 'login', 'test-print', 'service.out', … */
  action: z.string().regex(/^[a-z][a-z0-9._-]{0,63}$/),
  detail: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/), DetailValueSchema)
    .refine((d) => Object.keys(d).length <= 16, 'at most 16 detail fields')
    .nullable(),
});
export type AuditItem = z.infer<typeof AuditItemSchema>;

export const AuditRequestSchema = z
  .strictObject({ items: z.array(AuditItemSchema).min(1).max(MAX_BATCH) })
  .superRefine((request, ctx) => {
    const seen = new Set<number>();
    request.items.forEach((item, index) => {
      if (seen.has(item.id)) ctx.addIssue({ code: 'custom', message: 'duplicate id in batch', path: ['items', index] });
      seen.add(item.id);
    });
  });
export type AuditRequest = z.infer<typeof AuditRequestSchema>;

export const AuditResponseSchema = z.object({
  /** The ids the hub now holds (stored now or before): one per item. */
  stored: z.array(NonNegativeIntSchema).max(MAX_BATCH),
});
export type AuditResponse = z.infer<typeof AuditResponseSchema>;
