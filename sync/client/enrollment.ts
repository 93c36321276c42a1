/**
 * The kiosk's enrollment as it rests in the kiosk store: which kiosk the hub
 * knows it as, its comune and frazione, and the hub keys pinned at
 * enrollment. Every later answer of the hub is verified against the pinned
 * signing key, and personal data is sealed to the pinned encryption key.
 *
 * Kept as one JSON row of `sync_state` (key `enrollment`), written in one
 * statement, so it is either the old enrollment or the new one. Interim: the
 * store (sync/store/sync-state.ts) has no accessor for it yet; when it gets
 * one, these two functions become calls to it.
 */
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { CodeSchema, IstatCodeSchema, RawKeySchema } from '../protocol/common';

export const EnrollmentSchema = z.object({
  kioskId: z.uuid(),
  comune: z.object({ istat: IstatCodeSchema, name: z.string().min(1) }),
  frazione: z.object({ code: CodeSchema, name: z.string().min(1) }),
  /** Ed25519, raw base64url: the only key the kiosk accepts the hub's answers from. */
  hubSigningKey: RawKeySchema,
  /** X25519, raw base64url: personal data is sealed to it. */
  hubEncryptionKey: RawKeySchema,
});
export type Enrollment = z.infer<typeof EnrollmentSchema>;

const StoredEnrollmentSchema = EnrollmentSchema.extend({
  /** Key id of the kiosk identity that enrolled: a new identity file means enrolling again. */
  kioskKeyId: z.string().min(1),
  enrolledAt: z.iso.datetime(),
});
export type StoredEnrollment = z.infer<typeof StoredEnrollmentSchema>;

const KEY = 'enrollment';

/** Pins `enrollment` in the store, replacing any earlier one (a re-enrollment after revocation). */
export function saveEnrollment(
  db: Database,
  enrollment: Enrollment,
  { kioskKeyId, now }: { kioskKeyId: string; now: Date },
): StoredEnrollment {
  const stored = StoredEnrollmentSchema.parse({
    ...EnrollmentSchema.parse(enrollment),
    kioskKeyId,
    enrolledAt: now.toISOString(),
  });
  db.prepare(
    `INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(KEY, JSON.stringify(stored), now.getTime());
  return stored;
}

/** The pinned enrollment, or null when this kiosk was never enrolled. Throws if the stored row is damaged. */
export function loadEnrollment(db: Database): StoredEnrollment | null {
  const row = db.prepare('SELECT value FROM sync_state WHERE key = ?').get(KEY) as { value: string } | undefined;
  if (row === undefined) return null;
  return StoredEnrollmentSchema.parse(JSON.parse(row.value));
}
