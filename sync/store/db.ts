import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrations';

export type Store = {
  db: Db;
  path: string;
  /**
   * Set when the file found at boot failed `quick_check` (or was not a
   * database at all): it was moved aside to `movedTo` and a fresh, empty
   * store was made. The kiosk must then not serve as if nothing happened.
   */
  integrityFailure: { movedTo: string; detail: string } | null;
};

/**
 * Pragmas for every open. better-sqlite3 reopens WAL databases with
 * synchronous=NORMAL, which can lose the last commits on a power cut; a
 * request the resident was told is saved must survive one, so FULL, always.
 * secure_delete zeroes the bytes of deleted and shrunk rows in the page, so
 * purged personal data does not linger in free space of the file (older page
 * copies in the WAL go with the next truncating checkpoint: `flushPurged`).
 */
function configure(db: Db): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
}

function quickCheck(db: Db): string {
  const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
  return rows.map((r) => r.quick_check).join('; ');
}

/** Opens (or creates) the store at `path`, checks it, and migrates it to the latest version. */
export function openStore(path: string, now: () => Date = () => new Date()): Store {
  mkdirSync(dirname(path), { recursive: true });
  let integrityFailure: Store['integrityFailure'] = null;

  if (existsSync(path)) {
    const problem = checkExisting(path);
    if (problem !== null) {
      const movedTo = moveAside(path, now());
      integrityFailure = { movedTo, detail: problem };
    }
  }

  const db = new Database(path);
  configure(db);
  migrate(db);
  return { db, path, integrityFailure };
}

/** Returns null when the file is a healthy database, else what is wrong with it. */
function checkExisting(path: string): string | null {
  let db: Db | null = null;
  try {
    db = new Database(path, { fileMustExist: true });
    configure(db);
    const result = quickCheck(db);
    return result === 'ok' ? null : result.slice(0, 500);
  } catch (err) {
    // SQLITE_NOTADB, SQLITE_CORRUPT and friends: the file cannot be trusted.
    return err instanceof Error ? err.message.slice(0, 500) : String(err);
  } finally {
    db?.close();
  }
}

/** Renames the database and its WAL/SHM files aside; never deletes anything. */
function moveAside(path: string, at: Date): string {
  const stamp = at.toISOString().replace(/[:.]/g, '-');
  const target = `${path}.corrupt-${stamp}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
  }
  return target;
}

export function closeStore(store: Store): void {
  if (store.db.open) store.db.close();
}
