import type { Database } from 'better-sqlite3';
import { prepared, write } from './tx';

/**
 * Technician mode's persistent state (migration 6): keyed values that must
 * survive a restart, and the audit log of every technician action. Nothing
 * here is personal: actors are ids ('pin', 'card:<id>'), never a PIN or token.
 */

export const TECH_KEYS = {
  /** scrypt hash of the PIN set on this kiosk (overrides the configuration's). */
  pinHash: 'pin.hash',
  /** JSON { failures, lockouts, lockedUntil }. */
  lockout: 'pin.lockout',
  /** JSON { forced: true, message } while a technician holds the kiosk out of service. */
  service: 'service.forced',
} as const;
export type TechKey = (typeof TECH_KEYS)[keyof typeof TECH_KEYS];

export function getTechState(db: Database, key: TechKey): string | null {
  const row = prepared(db, 'SELECT value FROM technician_state WHERE key = ?').get(key) as
    { value: string } | undefined;
  return row?.value ?? null;
}

/** Sets (or, with null, removes) one value. */
export function setTechState(db: Database, key: TechKey, value: string | null, at: number): void {
  write(db, () => {
    if (value === null) prepared(db, 'DELETE FROM technician_state WHERE key = ?').run(key);
    else
      prepared(
        db,
        `INSERT INTO technician_state (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ).run(key, value, at);
  });
}

export type AuditEntry = {
  id: number;
  at: number;
  actor: string;
  action: string;
  detail: Record<string, string | number | boolean | null> | null;
  pushedAt: number | null;
};

/** Appends one audit row; `detail` must hold codes and counts only. */
export function appendAudit(
  db: Database,
  entry: { at: number; actor: string; action: string; detail?: AuditEntry['detail'] },
): number {
  return write(db, () => {
    const r = prepared(db, 'INSERT INTO technician_audit (at, actor, action, detail) VALUES (?, ?, ?, ?)').run(
      entry.at,
      entry.actor,
      entry.action,
      entry.detail ? JSON.stringify(entry.detail) : null,
    );
    return Number(r.lastInsertRowid);
  });
}

type AuditRow = {
  id: number;
  at: number;
  actor: string;
  action: string;
  detail: string | null;
  pushed_at: number | null;
};

const toEntry = (r: AuditRow): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  detail: r.detail === null ? null : (JSON.parse(r.detail) as AuditEntry['detail']),
  pushedAt: r.pushed_at,
});

/** The latest audit rows, newest first. */
export function recentAudit(db: Database, limit = 100): AuditEntry[] {
  return (prepared(db, 'SELECT * FROM technician_audit ORDER BY id DESC LIMIT ?').all(limit) as AuditRow[]).map(
    toEntry,
  );
}

/** Rows the hub has not taken yet, oldest first. */
export function unpushedAudit(db: Database, limit = 100): AuditEntry[] {
  return (
    prepared(db, 'SELECT * FROM technician_audit WHERE pushed_at IS NULL ORDER BY id LIMIT ?').all(limit) as AuditRow[]
  ).map(toEntry);
}

export function markAuditPushed(db: Database, ids: readonly number[], at: number): void {
  write(db, () => {
    const stmt = prepared(db, 'UPDATE technician_audit SET pushed_at = ? WHERE id = ? AND pushed_at IS NULL');
    for (const id of ids) stmt.run(at, id);
  });
}

export type RejectedItem = { receiptCode: string; at: number; code: string; reason: string | null };

/** The latest requests the hub refused, newest first: codes and the hub's reason, nothing personal. */
export function recentRejected(db: Database, limit = 20): RejectedItem[] {
  const rows = prepared(
    db,
    `SELECT receipt_code, rejected_at, rejected_code, rejected_reason FROM submissions
     WHERE state = 'rejected' ORDER BY rejected_at DESC LIMIT ?`,
  ).all(limit) as Array<{
    receipt_code: string;
    rejected_at: number;
    rejected_code: string;
    rejected_reason: string | null;
  }>;
  return rows.map((r) => ({
    receiptCode: r.receipt_code,
    at: r.rejected_at,
    code: r.rejected_code,
    reason: r.rejected_reason,
  }));
}

/** SQLite's full integrity check (slow on a big file: run it on a technician's demand only). */
export function integrityCheck(db: Database): string {
  const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  return rows.map((r) => r.integrity_check).join('; ');
}
