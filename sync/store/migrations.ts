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
  {
    version: 3,
    name: 'submissions, outbox, hub caches and sync state',
    up: (db) => {
      // Times are INTEGER milliseconds since the epoch (UTC): they sort, compare and
      // subtract without parsing. The CHECKs make the purge a property of the
      // table, not only of the code: a delivered or refused request can hold no
      // personal data, a pending one must.
      //
      // Two tables on purpose (Signal's job queue): `submissions` is the lasting
      // record (receipt code, protocol number, outcome); `outbox` holds only what
      // is still to deliver and when to try next, so claiming a batch reads a
      // short table and an acknowledgement is one DELETE. A request is pending
      // exactly while its outbox row exists; both are written in one transaction.
      db.exec(`
        CREATE TABLE submissions (
          id               TEXT PRIMARY KEY,   -- UUIDv7 made on the kiosk; the hub's idempotency key
          receipt_code     TEXT NOT NULL UNIQUE CHECK (length(receipt_code) = 8),
          kind             TEXT NOT NULL,
          service          TEXT NOT NULL,
          locale           TEXT NOT NULL,
          created_at       INTEGER NOT NULL,
          state            TEXT NOT NULL DEFAULT 'queued'
                           CHECK (state IN ('queued', 'sending', 'accepted', 'rejected')),
          attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
          last_attempt_at  INTEGER,
          protocol_number  TEXT,
          accepted_at      INTEGER,
          rejected_code    TEXT,
          rejected_reason  TEXT,
          rejected_at      INTEGER,
          sealed           BLOB,                -- personal data sealed to the hub's key; NULL once delivered or refused
          public_json      TEXT NOT NULL CHECK (json_valid(public_json)),
          CHECK (state NOT IN ('queued', 'sending') OR sealed IS NOT NULL),
          CHECK (state <> 'accepted' OR (sealed IS NULL AND protocol_number IS NOT NULL AND accepted_at IS NOT NULL)),
          CHECK (state <> 'rejected' OR (sealed IS NULL AND rejected_code IS NOT NULL AND rejected_at IS NOT NULL))
        ) STRICT;
        -- Only delivered and refused requests: counting them stays cheap without adding an
        -- index write to every create (pending ones are counted through the outbox).
        CREATE INDEX submissions_final ON submissions (state) WHERE state IN ('accepted', 'rejected');

        CREATE TABLE outbox (
          submission_id    TEXT PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
          enqueued_at      INTEGER NOT NULL,
          next_attempt_at  INTEGER NOT NULL,
          last_error       TEXT               -- a code such as HUB_UNREACHABLE, never personal data
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE hub_cache (
          name        TEXT PRIMARY KEY CHECK (length(name) > 0),
          version     TEXT NOT NULL,
          body        TEXT NOT NULL CHECK (json_valid(body)),
          updated_at  INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE sync_state (
          key         TEXT PRIMARY KEY,
          value       TEXT NOT NULL,
          updated_at  INTEGER NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 4,
    name: 'outbox in queue order',
    up: (db) => {
      // The push loop claims the oldest pending rows; without this index every claim
      // scanned and sorted the kiosk's whole history of submissions.
      db.exec('CREATE INDEX outbox_queue_order ON outbox (enqueued_at, submission_id);');
    },
  },
  {
    version: 5,
    name: 'documents waiting for pickup, and failed pickup attempts',
    up: (db) => {
      // A document the back office issued for pickup here, encrypted under a key only the
      // resident's receipt gives (sync/crypto/pickup): the kiosk holds the envelope, never
      // the secret. After collection or expiry the envelope is set to NULL (secure_delete
      // zeroes it) and the row stays as a tombstone: a late re-delivery is not taken again,
      // the resident is told "collected" or "expired", and a collection waits here
      // (collected_at set, reported_at NULL) until the hub has recorded it.
      //
      // pickup_failures counts wrong codes and wrong cards for the rate limit: a scope
      // ('kiosk' or a submission id) and an instant, nothing of what was typed or shown.
      db.exec(`
        CREATE TABLE pickup_documents (
          id             TEXT PRIMARY KEY,    -- UUIDv7 made by the hub
          submission_id  TEXT NOT NULL,       -- the request it answers (may be purged from submissions later)
          title_json     TEXT NOT NULL CHECK (json_valid(title_json)),
          issued_at      INTEGER NOT NULL,
          expires_at     INTEGER NOT NULL,
          envelope       BLOB,                -- NULL once collected or expired
          received_at    INTEGER NOT NULL,
          collected_at   INTEGER,
          reported_at    INTEGER,             -- when the hub acknowledged the collection
          CHECK (collected_at IS NULL OR envelope IS NULL),
          CHECK (reported_at IS NULL OR collected_at IS NOT NULL)
        ) STRICT;
        CREATE INDEX pickup_documents_submission ON pickup_documents (submission_id);
        CREATE INDEX pickup_documents_unreported ON pickup_documents (collected_at)
          WHERE collected_at IS NOT NULL AND reported_at IS NULL;

        CREATE TABLE pickup_failures (
          scope  TEXT NOT NULL,               -- 'kiosk', or the submission id of the request tried
          at     INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX pickup_failures_scope ON pickup_failures (scope, at);
      `);
    },
  },
  {
    version: 6,
    name: 'technician state and audit log',
    up: (db) => {
      // technician_state: small keyed values that must survive a restart — the PIN hash
      // set on the kiosk, the lockout counter, a technician's out-of-service decision.
      // technician_audit: every technician action, who (an actor id such as 'pin' or a
      // card's id, never a PIN or a token) / what / when, and when the hub took it.
      db.exec(`
        CREATE TABLE technician_state (
          key         TEXT PRIMARY KEY,
          value       TEXT NOT NULL,
          updated_at  INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE technician_audit (
          id          INTEGER PRIMARY KEY,
          at          INTEGER NOT NULL,
          actor       TEXT NOT NULL,
          action      TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
          detail      TEXT CHECK (detail IS NULL OR json_valid(detail)),
          pushed_at   INTEGER
        ) STRICT;
        CREATE INDEX technician_audit_unpushed ON technician_audit (id) WHERE pushed_at IS NULL;
      `);
    },
  },
  {
    version: 7,
    name: 'printer paper counter',
    up: (db) => {
      // The paper used on the current roll (hardware/printer/paper.ts), keyed by the
      // device's name ('printer'), not its path: the roll stays in the cabinet when a
      // technician changes the port. "Paper roll replaced" and the remaining-receipts
      // estimate survive a restart. Counts and millimetres only.
      db.exec(`
        CREATE TABLE printer_paper (
          printer      TEXT PRIMARY KEY,
          used_mm      REAL NOT NULL CHECK (used_mm >= 0),
          receipts     INTEGER NOT NULL CHECK (receipts >= 0),
          replaced_at  INTEGER,
          updated_at   INTEGER NOT NULL
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

export type StoreErrorCode =
  | 'STORE_TOO_NEW'
  | 'STORE_UNREADABLE'
  | 'STORE_FULL'
  | 'INVALID_INPUT'
  | 'SUBMISSION_EXISTS'
  | 'SUBMISSION_NOT_FOUND'
  | 'INVALID_TRANSITION'
  | 'CONFLICTING_OUTCOME';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
