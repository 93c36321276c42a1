import type { Database, Statement } from 'better-sqlite3';
import { StoreError } from './migrations';

const statements = new WeakMap<Database, Map<string, Statement>>();

/** A prepared statement, compiled once per connection: the create path runs a few per request. */
export function prepared(db: Database, sql: string): Statement {
  let byText = statements.get(db);
  if (byText === undefined) {
    byText = new Map();
    statements.set(db, byText);
  }
  let stmt = byText.get(sql);
  if (stmt === undefined) {
    stmt = db.prepare(sql);
    byText.set(sql, stmt);
  }
  return stmt;
}

function isDiskFull(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || !('code' in err)) return false;
  const { code } = err;
  return typeof code === 'string' && (code === 'SQLITE_FULL' || code.startsWith('SQLITE_FULL_'));
}

/**
 * Runs `fn` in one IMMEDIATE transaction (a savepoint when already inside one)
 * and returns its result. Everything `fn` wrote is rolled back when it throws;
 * SQLite's "database or disk is full" comes out as StoreError STORE_FULL. `fn`
 * must be synchronous: nothing may await between BEGIN and COMMIT.
 */
export function write<T>(db: Database, fn: () => T): T {
  try {
    return db.transaction(fn).immediate();
  } catch (err) {
    if (isDiskFull(err)) {
      throw new StoreError('STORE_FULL', `the store's disk is full: ${(err as Error).message}`);
    }
    throw err;
  }
}

/** Milliseconds since the epoch of a valid Date; a broken clock value is a caller bug. */
export function millis(at: Date, what: string): number {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new StoreError('INVALID_INPUT', `${what} is not a valid date`);
  return ms;
}

export const dateOrNull = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
