import type { Database } from 'better-sqlite3';

export type SessionEndReason = 'idle' | 'home' | 'done';

/** Counts one ended session for `day` (YYYY-MM-DD); returns the sessions ended that day. */
export function recordSessionEnd(db: Database, day: string, reason: SessionEndReason): number {
  return db.transaction(() => {
    db.prepare(
      `INSERT INTO session_counts (day, reason, count) VALUES (?, ?, 1)
       ON CONFLICT (day, reason) DO UPDATE SET count = count + 1`,
    ).run(day, reason);
    const row = db.prepare('SELECT COALESCE(SUM(count), 0) AS total FROM session_counts WHERE day = ?').get(day) as {
      total: number;
    };
    return row.total;
  })();
}
