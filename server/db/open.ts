/**
 * Opening the hub database: an embedded SQLite file by default, PostgreSQL
 * when a URL is given. Both are migrated to the latest version on open, and
 * both are written through `write(unit)`: one unit of work, all or nothing.
 *
 * SQLite commits with `synchronous=FULL`, an fsync per commit, which alone
 * would cap the hub at a few hundred requests a second. So units are grouped:
 * the units that arrive while a commit is in flight run together in the next
 * transaction, each inside its own savepoint (a failing unit rolls back alone),
 * and every unit's promise settles only after that transaction is durable.
 * This is group commit, not caching: nothing waits in memory that another hub
 * process would need, and a crash loses only units whose callers have not been
 * answered. PostgreSQL does its own group commit across connections, so there
 * each unit is simply one transaction.
 */
import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import type { HubDatabase } from './schema';
import { migrateToLatest } from './migrations';
import type { HubDialect } from './migrations';

/** A unit of work: it runs inside a transaction and must not reach outside the database. */
export type Unit<T> = (db: Kysely<HubDatabase>) => Promise<T>;

export type HubDb = {
  /** For reads that need no transaction. */
  db: Kysely<HubDatabase>;
  dialect: HubDialect;
  /** Runs `unit` atomically and durably; rejects (and writes nothing of it) when it throws. */
  write<T>(unit: Unit<T>): Promise<T>;
  /** Where the data lives, for logs (never a password). */
  location: string;
  close(): Promise<void>;
};

export const HUB_DB_FILE = 'hub.db';
/** Most units committed by one SQLite transaction. */
const MAX_GROUP = 256;
const STATEMENT_CACHE = 500;
/** PostgreSQL errors a unit is retried on: serialization failure, deadlock. */
const RETRYABLE_PG = new Set(['40001', '40P01']);
const PG_ATTEMPTS = 3;

/**
 * Opens (creating and migrating as needed) the hub database: PostgreSQL when
 * `databaseUrl` is set (its `options=-c search_path=…` picks the schema),
 * otherwise `<dataDir>/hub.db`.
 */
export async function openHubDb(options: { dataDir: string; databaseUrl?: string }): Promise<HubDb> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openSqlite(options.dataDir);
}

/** better-sqlite3 behind Kysely, with the statements cached: Kysely prepares every query anew. */
function cachingDatabase(file: string): { prepare(sql: string): Statement; close(): void; raw: Database.Database } {
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  const cache = new Map<string, Statement>();
  return {
    raw,
    prepare(text: string) {
      let stmt = cache.get(text);
      if (stmt === undefined) {
        stmt = raw.prepare(text);
        if (cache.size >= STATEMENT_CACHE) cache.clear();
        cache.set(text, stmt);
      }
      return stmt;
    },
    close: () => raw.close(),
  };
}

/**
 * Serialises the write transactions of every HubDb of this process on one
 * file. Across processes SQLite's own lock does it (BEGIN IMMEDIATE waits up
 * to busy_timeout); inside one process that wait would block the very event
 * loop the lock holder needs to finish, so hubs sharing a file here (tests)
 * take turns on this promise chain instead.
 */
const fileTurns = new Map<string, Promise<unknown>>();

function onFileTurn<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const previous = fileTurns.get(file) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  fileTurns.set(file, tail);
  void tail.then(() => {
    if (fileTurns.get(file) === tail) fileTurns.delete(file);
  });
  return run;
}

async function openSqlite(dataDir: string): Promise<HubDb> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = resolve(dataDir, HUB_DB_FILE);
  const database = cachingDatabase(file);
  const db = new Kysely<HubDatabase>({ dialect: new SqliteDialect({ database }) });
  try {
    // Kysely takes no migration lock on SQLite; one IMMEDIATE transaction
    // around the whole run is the lock (SQLite's DDL is transactional).
    await onFileTurn(file, async () => {
      database.raw.exec('begin immediate');
      try {
        await migrateToLatest(db as Kysely<unknown>, 'sqlite');
        database.raw.exec('commit');
      } catch (error) {
        if (database.raw.inTransaction) database.raw.exec('rollback');
        throw error;
      }
    });
  } catch (error) {
    await db.destroy();
    throw error;
  }

  type Pending = { unit: Unit<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void };
  let queue: Pending[] = [];
  let running: Promise<void> | null = null;
  let closed = false;

  async function runGroup(group: Pending[]): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await onFileTurn(file, () =>
        db.connection().execute(async (conn) => {
          // IMMEDIATE: take the write lock up front, so a second process on the
          // file makes us wait (busy_timeout) instead of failing mid-transaction.
          await sql`begin immediate`.execute(conn);
          try {
            for (const pending of group) {
              await sql`savepoint unit`.execute(conn);
              try {
                outcomes.push({ ok: true, value: await pending.unit(conn) });
                await sql`release unit`.execute(conn);
              } catch (error) {
                outcomes.push({ ok: false, error });
                await sql`rollback to unit`.execute(conn);
                await sql`release unit`.execute(conn);
              }
            }
            await sql`commit`.execute(conn);
          } catch (error) {
            if (database.raw.inTransaction) await sql`rollback`.execute(conn);
            throw error;
          }
        }),
      );
    } catch (error) {
      // The commit itself failed: nothing of the group is durable.
      for (const pending of group) pending.reject(error);
      return;
    }
    group.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }

  function drain(): void {
    if (running !== null || queue.length === 0) return;
    const group = queue.slice(0, MAX_GROUP);
    queue = queue.slice(group.length);
    running = runGroup(group).finally(() => {
      running = null;
      drain();
    });
  }

  return {
    db,
    dialect: 'sqlite',
    location: file,
    write<T>(unit: Unit<T>): Promise<T> {
      if (closed) return Promise.reject(new Error('hub database is closed'));
      return new Promise<T>((resolve, reject) => {
        queue.push({ unit, resolve: resolve as (value: unknown) => void, reject });
        // Let the requests that arrived in this turn of the event loop join the group.
        if (running === null && queue.length === 1) setImmediate(drain);
      });
    },
    async close() {
      closed = true;
      while (running !== null || queue.length > 0) {
        drain();
        await running;
      }
      await db.destroy();
    },
  };
}

/** A unit may ask to be run again in a fresh transaction by throwing an error with `retryable: true`. */
function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ('retryable' in error && error.retryable === true) return true;
  return 'code' in error && typeof error.code === 'string' && RETRYABLE_PG.has(error.code);
}

const INT8_OID = 20;

/** int8 (bigint) as a JS number: every one we store (ms instants, counters) is far below 2^53. */
function typeParser(oid: number, format?: 'text'): (value: string) => unknown {
  if (oid === INT8_OID) return Number;
  return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
}

async function openPostgres(databaseUrl: string): Promise<HubDb> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
  });
  const db = new Kysely<HubDatabase>({ dialect: new PostgresDialect({ pool }) });
  let schema: string;
  try {
    const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    if (!rows[0]?.schema) throw new Error('PostgreSQL has no current schema: does the search_path schema exist?');
    schema = rows[0].schema;
    await migrateToLatest(db as Kysely<unknown>, 'postgres', { schema });
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const url = new URL(databaseUrl);
  url.password = '';
  return {
    db,
    dialect: 'postgres',
    location: `${url.host}${url.pathname} (schema ${schema})`,
    async write<T>(unit: Unit<T>): Promise<T> {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await db.transaction().execute(unit);
        } catch (error) {
          if (attempt >= PG_ATTEMPTS || !isRetryable(error)) throw error;
        }
      }
    },
    close: () => db.destroy(),
  };
}
