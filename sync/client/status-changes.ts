/**
 * Where a submission stands at the back office, as pulled from the hub, so a
 * resident who types the receipt code at the kiosk sees it while the link is
 * down. Only the latest status of each submission is kept.
 *
 * Interim home: one `sync_state` row per submission (key `status:<id>`), since
 * the store has no table for it yet. A `submission_status` table (or columns
 * on `submissions`) in sync/store should replace this; the sync client only
 * needs an `applyStatusChanges(db, changes, now)` that nests in its pull
 * transaction, which is why it is injectable in createSyncClient.
 */
import type { Database } from 'better-sqlite3';
import { StatusChangeSchema } from '../protocol/pull';
import type { StatusChange } from '../protocol/pull';

const PREFIX = 'status:';

/**
 * Records each change unless a newer one is stored for that submission.
 * Synchronous and nests in the caller's transaction. Returns how many rows it wrote.
 */
export function applyStatusChanges(db: Database, changes: readonly StatusChange[], now: Date): number {
  const read = db.prepare('SELECT value FROM sync_state WHERE key = ?');
  const upsert = db.prepare(
    `INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );
  let written = 0;
  db.transaction(() => {
    for (const change of changes) {
      const key = PREFIX + change.submissionId;
      const row = read.get(key) as { value: string } | undefined;
      if (row !== undefined) {
        const stored = StatusChangeSchema.parse(JSON.parse(row.value));
        if (Date.parse(stored.at) > Date.parse(change.at)) continue;
      }
      const value: StatusChange = {
        submissionId: change.submissionId,
        status: change.status,
        answer: change.answer,
        at: change.at,
      };
      upsert.run(key, JSON.stringify(value), now.getTime());
      written += 1;
    }
  })();
  return written;
}

/** The latest pulled status of a submission, or null when the hub has reported none. */
export function getSubmissionStatus(db: Database, submissionId: string): StatusChange | null {
  const row = db.prepare('SELECT value FROM sync_state WHERE key = ?').get(PREFIX + submissionId) as
    { value: string } | undefined;
  return row === undefined ? null : StatusChangeSchema.parse(JSON.parse(row.value));
}
