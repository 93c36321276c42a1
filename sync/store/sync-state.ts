import type { Database } from 'better-sqlite3';
import { StoreError } from './migrations';
import { dateOrNull, millis, prepared, write } from './tx';

/**
 * The sync client's bookkeeping: the hub's opaque pull cursor and when the
 * last push and pull succeeded. The cursor is never parsed on the kiosk.
 */
export type SyncState = { pullCursor: string | null; lastPushAt: Date | null; lastPullAt: Date | null };

const PULL_CURSOR = 'pull.cursor';
const LAST_PULL_AT = 'pull.last_at';
const LAST_PUSH_AT = 'push.last_at';

function put(db: Database, key: string, value: string, at: number): void {
  prepared(
    db,
    `INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(key, value, at);
}

function get(db: Database, key: string): string | null {
  const row = prepared(db, 'SELECT value FROM sync_state WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value ?? null;
}

/** The cursor to send with the next pull; null before the first pull. */
export function getPullCursor(db: Database): string | null {
  return get(db, PULL_CURSOR);
}

/**
 * Records a completed pull: the hub's next cursor and the time. Call it inside
 * the transaction that applied what the pull returned (it nests as a
 * savepoint), so a crash re-pulls rather than skips.
 */
export function recordPull(db: Database, { cursor, at }: { cursor: string; at: Date }): void {
  if (typeof cursor !== 'string' || cursor.length === 0) {
    throw new StoreError('INVALID_INPUT', 'a pull cursor must be a non-empty string');
  }
  const ms = millis(at, 'at');
  write(db, () => {
    put(db, PULL_CURSOR, cursor, ms);
    put(db, LAST_PULL_AT, String(ms), ms);
  });
}

/** Records a push the hub answered. */
export function recordPush(db: Database, at: Date): void {
  const ms = millis(at, 'at');
  write(db, () => put(db, LAST_PUSH_AT, String(ms), ms));
}

export function readSyncState(db: Database): SyncState {
  const time = (key: string) => {
    const value = get(db, key);
    return dateOrNull(value === null ? null : Number(value));
  };
  return { pullCursor: get(db, PULL_CURSOR), lastPushAt: time(LAST_PUSH_AT), lastPullAt: time(LAST_PULL_AT) };
}
