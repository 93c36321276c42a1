import type { Database } from 'better-sqlite3';

/**
 * Numbered migrations. A migration is appended, never edited once released:
 * kiosks in the field hold databases at every earlier version. Each runs in
 * its own transaction together with the `user_version` bump, so a power cut
 * leaves the database at the previous version, never half-way.
 */
export type Migration = { version: number; name: string; up: (db: Database) => void };

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'meta and office information',
    up: (db) => {
      db.exec(`
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
        CREATE TABLE offices (
          id        TEXT PRIMARY KEY,
          position  INTEGER NOT NULL,
          name      TEXT NOT NULL,
          address   TEXT NOT NULL,
          phone     TEXT NOT NULL,
          email     TEXT NOT NULL,
          staffed   INTEGER NOT NULL CHECK (staffed IN (0, 1)),
          lat       REAL NOT NULL,
          lon       REAL NOT NULL,
          hours     TEXT NOT NULL -- JSON array of { day, opens, closes }
        ) STRICT;
        CREATE TABLE contacts (
          topic     TEXT PRIMARY KEY,
          position  INTEGER NOT NULL,
          phone     TEXT NOT NULL,
          email     TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'session counters',
    up: (db) => {
      // Counts only: a kiosk never keeps who used it, only how often sessions end and why.
      db.exec(`
        CREATE TABLE session_counts (
          day     TEXT NOT NULL,          -- YYYY-MM-DD, local time of the kiosk
          reason  TEXT NOT NULL CHECK (reason IN ('idle', 'home', 'done')),
          count   INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (day, reason)
        ) STRICT;
      `);
    },
  },
];

export const LATEST_VERSION = migrations.reduce((v, m) => Math.max(v, m.version), 0);

/** Brings the database up to `target` (the latest by default); returns the versions applied. */
export function migrate(db: Database, target: number = LATEST_VERSION): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > LATEST_VERSION) {
    throw new StoreError(
      'STORE_TOO_NEW',
      `database is at version ${current}, this software knows up to ${LATEST_VERSION}`,
    );
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}

export type StoreErrorCode = 'STORE_TOO_NEW' | 'STORE_UNREADABLE';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
