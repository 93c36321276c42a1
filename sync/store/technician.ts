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
  /** JSON of the configuration a technician changed on the screen (hub URL, device paths), laid over the file. */
  configOverride: 'config.override',
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

/** How far a stepwise integrity check is: `done` of `total` steps (one per table, then the file's pages). */
export type IntegrityProgress = { done: number; total: number };

/** At most this many problems are kept in the answer (the first ones say enough). */
const MAX_INTEGRITY_PROBLEMS = 100;

const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

const isCorruption = (err: unknown): err is Error & { code: string } =>
  err instanceof Error && /^SQLITE_(CORRUPT|NOTADB)/.test(String((err as { code?: unknown }).code));

/**
 * The same verdict as `integrityCheck`, in steps the event loop can breathe
 * between: `PRAGMA integrity_check(<table>)` for the schema table and every
 * table with its indexes (rows against indexes, UNIQUE, NOT NULL, CHECK), then
 * `PRAGMA quick_check` over the whole file for what a per-table check cannot
 * see: pages used by two b-trees or by none, and the freelist. Each step is
 * one statement in its own read transaction; `pause` runs between steps
 * (setImmediate by default) so the runtime keeps answering. Resolves with 'ok'
 * or the problems found, joined by '; '.
 */
export async function integrityCheckInSteps(
  db: Database,
  onProgress: (progress: IntegrityProgress) => void = () => undefined,
  pause: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
): Promise<string> {
  let tables: string[];
  try {
    tables = (
      db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>
    ).map((r) => r.name);
  } catch (err) {
    if (!isCorruption(err)) throw err;
    onProgress({ done: 1, total: 1 });
    return err.message;
  }
  const steps = ['sqlite_schema', ...tables];
  const total = steps.length + 1;
  // A broken page shows in its table's step and again in the whole-file step: say it once.
  const problems = new Set<string>();
  const check = (pragma: string) => {
    try {
      for (const row of db.pragma(pragma) as Array<Record<string, string>>) {
        const text = Object.values(row)[0];
        if (text !== undefined && text !== 'ok' && problems.size < MAX_INTEGRITY_PROBLEMS) problems.add(text);
      }
    } catch (err) {
      // SQLite may refuse to walk a badly broken file at all ("database disk image is malformed"): a failed check.
      if (isCorruption(err)) problems.add(err.message);
      // A table dropped since the list was read (a migration never runs meanwhile, but be exact).
      else if (!(err instanceof Error && /no such table/.test(err.message))) throw err;
    }
  };
  onProgress({ done: 0, total });
  for (const [i, table] of steps.entries()) {
    await pause();
    check(`integrity_check(${quoteIdentifier(table)})`);
    onProgress({ done: i + 1, total });
  }
  await pause();
  check('quick_check');
  onProgress({ done: total, total });
  return problems.size === 0 ? 'ok' : [...problems].join('; ');
}

/** The paper counter of the roll in the printer (migration 7): millimetres used and receipts counted. */
export type PaperCount = { usedMm: number; receipts: number; replacedAt: number | null };

/** The saved paper counter of `printer` ('printer'), or null when none was ever saved. */
export function loadPaperCount(db: Database, printer = 'printer'): PaperCount | null {
  const row = prepared(db, 'SELECT used_mm, receipts, replaced_at FROM printer_paper WHERE printer = ?').get(
    printer,
  ) as { used_mm: number; receipts: number; replaced_at: number | null } | undefined;
  return row ? { usedMm: row.used_mm, receipts: row.receipts, replacedAt: row.replaced_at } : null;
}

/** Saves the counter after a print, or after a roll was replaced (`replaced` stamps `replaced_at`). */
export function savePaperCount(
  db: Database,
  count: { usedMm: number; receipts: number },
  at: number,
  options: { replaced?: boolean; printer?: string } = {},
): void {
  write(db, () => {
    prepared(
      db,
      `INSERT INTO printer_paper (printer, used_mm, receipts, replaced_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (printer) DO UPDATE SET used_mm = excluded.used_mm, receipts = excluded.receipts,
         replaced_at = COALESCE(excluded.replaced_at, printer_paper.replaced_at), updated_at = excluded.updated_at`,
    ).run(
      options.printer ?? 'printer',
      Math.max(0, count.usedMm),
      Math.max(0, count.receipts),
      options.replaced ? at : null,
      at,
    );
  });
}
