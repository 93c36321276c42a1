import type { Database } from 'better-sqlite3';
import { v7 as uuidv7, validate as isUuid, version as uuidVersion } from 'uuid';
import { assertFreeSpace } from './disk';
import { StoreError } from './migrations';
import { normalizeReceiptCode, receiptCodeFor } from './receipt';
import { dateOrNull, millis, prepared, write } from './tx';

/**
 * The kiosk's requests and their outbox (migration 3). A request moves
 *
 *   queued ──claimBatch──▶ sending ──markAccepted──▶ accepted
 *     ▲                     │   └────markRejected──▶ rejected
 *     └─releaseForRetry / recoverInFlight┘
 *
 * and may also be accepted or rejected straight from queued (a status pulled
 * from the hub after a lost response). accepted and rejected are final; the
 * sealed personal data is purged on entering either.
 */
export type SubmissionState = 'queued' | 'sending' | 'accepted' | 'rejected';

/** Non-personal fields kept readable on the kiosk (what the receipt and a technician may show). */
export type PublicFields = Record<string, unknown>;

export type NewSubmission = {
  kind: string;
  service: string;
  locale: string;
  publicFields: PublicFields;
  /** The personal data, already sealed to the hub's key by the caller; the kiosk cannot read it back. */
  sealed: Uint8Array;
  now: Date;
  /** A UUIDv7 (newSubmissionId); made here from `now` when absent. Give it when the seal used it as AAD. */
  id?: string;
};

export type CreateOptions = {
  /** Refuse with STORE_FULL when less than this is free on the store's disk (default 50 MB). */
  minFreeBytes?: number;
};

export type CreatedSubmission = { id: string; receiptCode: string; createdAt: Date };

/** A request as the kiosk may show it: never the sealed bytes, only whether it still holds them. */
export type Submission = {
  id: string;
  receiptCode: string;
  kind: string;
  service: string;
  locale: string;
  createdAt: Date;
  state: SubmissionState;
  attempts: number;
  lastAttemptAt: Date | null;
  /** Set while pending (queued or sending), from the outbox row. */
  nextAttemptAt: Date | null;
  lastError: string | null;
  protocolNumber: string | null;
  acceptedAt: Date | null;
  rejectedCode: string | null;
  rejectedReason: string | null;
  rejectedAt: Date | null;
  publicFields: PublicFields;
  holdsPersonalData: boolean;
};

/** What the sync client pushes for one claimed request. */
export type OutboxItem = {
  id: string;
  receiptCode: string;
  kind: string;
  service: string;
  locale: string;
  createdAt: Date;
  publicFields: PublicFields;
  sealed: Uint8Array;
  /** Including the attempt this claim starts. */
  attempts: number;
};

export type QueueStats = {
  queued: number;
  sending: number;
  accepted: number;
  rejected: number;
  /** Age of the oldest request not yet acknowledged (queued or sending); null when there is none. */
  oldestQueuedAgeMs: number | null;
};

const MAX_RECEIPT_ATTEMPTS = 16;

type SubmissionRow = {
  id: string;
  receipt_code: string;
  kind: string;
  service: string;
  locale: string;
  created_at: number;
  state: SubmissionState;
  attempts: number;
  last_attempt_at: number | null;
  next_attempt_at: number | null;
  last_error: string | null;
  protocol_number: string | null;
  accepted_at: number | null;
  rejected_code: string | null;
  rejected_reason: string | null;
  rejected_at: number | null;
  public_json: string;
  holds_personal_data: 0 | 1;
};

const SELECT_SUBMISSION = `
  SELECT s.id, s.receipt_code, s.kind, s.service, s.locale, s.created_at, s.state, s.attempts,
         s.last_attempt_at, o.next_attempt_at, o.last_error, s.protocol_number, s.accepted_at,
         s.rejected_code, s.rejected_reason, s.rejected_at, s.public_json,
         s.sealed IS NOT NULL AS holds_personal_data
  FROM submissions s LEFT JOIN outbox o ON o.submission_id = s.id`;

function toSubmission(r: SubmissionRow): Submission {
  return {
    id: r.id,
    receiptCode: r.receipt_code,
    kind: r.kind,
    service: r.service,
    locale: r.locale,
    createdAt: new Date(r.created_at),
    state: r.state,
    attempts: r.attempts,
    lastAttemptAt: dateOrNull(r.last_attempt_at),
    nextAttemptAt: dateOrNull(r.next_attempt_at),
    lastError: r.last_error,
    protocolNumber: r.protocol_number,
    acceptedAt: dateOrNull(r.accepted_at),
    rejectedCode: r.rejected_code,
    rejectedReason: r.rejected_reason,
    rejectedAt: dateOrNull(r.rejected_at),
    publicFields: JSON.parse(r.public_json) as PublicFields,
    holdsPersonalData: r.holds_personal_data === 1,
  };
}

function requireText(value: string, what: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new StoreError('INVALID_INPUT', `${what} must be a non-empty string`);
  }
}

function publicJson(fields: PublicFields): string {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new StoreError('INVALID_INPUT', 'publicFields must be a JSON object');
  }
  return JSON.stringify(fields);
}

/**
 * A new submission id: a UUIDv7 from the injected clock. The runtime makes it
 * before sealing, because the seal binds the personal data to the id (AAD),
 * and then passes both to createSubmission.
 */
export function newSubmissionId(now: Date): string {
  return uuidv7({ msecs: millis(now, 'now') });
}

/**
 * Writes a new request and its outbox row in one transaction and returns its
 * id and receipt code; only after this returns may the resident be told the
 * request was taken. Refuses with STORE_FULL, before writing, when the disk is
 * nearly full, and when SQLite itself runs out of room (nothing is left behind).
 */
export function createSubmission(db: Database, input: NewSubmission, options: CreateOptions = {}): CreatedSubmission {
  const createdAt = millis(input.now, 'now');
  requireText(input.kind, 'kind');
  requireText(input.service, 'service');
  requireText(input.locale, 'locale');
  if (!(input.sealed instanceof Uint8Array) || input.sealed.byteLength === 0) {
    throw new StoreError('INVALID_INPUT', 'sealed must hold the sealed personal data');
  }
  const id = input.id ?? newSubmissionId(input.now);
  if (!isUuid(id) || uuidVersion(id) !== 7) throw new StoreError('INVALID_INPUT', 'id must be a UUIDv7');
  const json = publicJson(input.publicFields);
  const sealed = Buffer.from(input.sealed.buffer, input.sealed.byteOffset, input.sealed.byteLength);

  assertFreeSpace(db, options.minFreeBytes);

  const receiptCode = write(db, () => {
    if (prepared(db, 'SELECT 1 FROM submissions WHERE id = ?').get(id) !== undefined) {
      throw new StoreError('SUBMISSION_EXISTS', `submission ${id} already exists`);
    }
    const code = freeReceiptCode(db, id);
    prepared(
      db,
      `INSERT INTO submissions (id, receipt_code, kind, service, locale, created_at, state, sealed, public_json)
       VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
    ).run(id, code, input.kind, input.service, input.locale, createdAt, sealed, json);
    prepared(db, 'INSERT INTO outbox (submission_id, enqueued_at, next_attempt_at) VALUES (?, ?, ?)').run(
      id,
      createdAt,
      createdAt,
    );
    return code;
  });
  return { id, receiptCode, createdAt: new Date(createdAt) };
}

function freeReceiptCode(db: Database, id: string): string {
  const taken = prepared(db, 'SELECT 1 FROM submissions WHERE receipt_code = ?');
  for (let attempt = 0; attempt < MAX_RECEIPT_ATTEMPTS; attempt += 1) {
    const code = receiptCodeFor(id, attempt);
    if (taken.get(code) === undefined) return code;
  }
  // 16 clashes in a row on 40 bits means the table is not what we think it is.
  throw new Error(`no free receipt code for ${id} after ${MAX_RECEIPT_ATTEMPTS} attempts`);
}

type ClaimRow = {
  id: string;
  receipt_code: string;
  kind: string;
  service: string;
  locale: string;
  created_at: number;
  public_json: string;
  sealed: Buffer;
  attempts: number;
};

/**
 * Moves up to `max` queued requests that are due at `now` to sending, oldest
 * first, counting the attempt, and returns them for one push.
 */
export function claimBatch(db: Database, { max, now }: { max: number; now: Date }): OutboxItem[] {
  if (!Number.isInteger(max) || max < 1) throw new StoreError('INVALID_INPUT', 'max must be a positive integer');
  const at = millis(now, 'now');
  return write(db, () => {
    const rows = prepared(
      db,
      `SELECT s.id, s.receipt_code, s.kind, s.service, s.locale, s.created_at, s.public_json, s.sealed, s.attempts
       FROM outbox o CROSS JOIN submissions s ON s.id = o.submission_id -- CROSS JOIN: walk the small outbox, not the history
       WHERE s.state = 'queued' AND o.next_attempt_at <= ?
       ORDER BY o.enqueued_at, o.submission_id
       LIMIT ?`,
    ).all(at, max) as ClaimRow[];
    const claim = prepared(
      db,
      `UPDATE submissions SET state = 'sending', attempts = attempts + 1, last_attempt_at = ?
       WHERE id = ? AND state = 'queued'`,
    );
    return rows.map((r) => {
      claim.run(at, r.id);
      return {
        id: r.id,
        receiptCode: r.receipt_code,
        kind: r.kind,
        service: r.service,
        locale: r.locale,
        createdAt: new Date(r.created_at),
        publicFields: JSON.parse(r.public_json) as PublicFields,
        sealed: new Uint8Array(r.sealed.buffer, r.sealed.byteOffset, r.sealed.byteLength),
        attempts: r.attempts + 1,
      };
    });
  });
}

type OutcomeRow = {
  state: SubmissionState;
  protocol_number: string | null;
  rejected_code: string | null;
};

function currentOutcome(db: Database, id: string): OutcomeRow {
  const row = prepared(db, 'SELECT state, protocol_number, rejected_code FROM submissions WHERE id = ?').get(id) as
    OutcomeRow | undefined;
  if (row === undefined) throw new StoreError('SUBMISSION_NOT_FOUND', `no submission ${id}`);
  return row;
}

function refuse(id: string, from: SubmissionState, to: SubmissionState): never {
  throw new StoreError('INVALID_TRANSITION', `submission ${id} is ${from}, it cannot become ${to}`);
}

/**
 * Records the hub's acceptance: the protocol number is kept, the sealed
 * personal data is purged and the outbox row removed. Idempotent: the same
 * acceptance again returns false; a different protocol number for an accepted
 * request is CONFLICTING_OUTCOME, and a rejected one INVALID_TRANSITION.
 */
export function markAccepted(
  db: Database,
  id: string,
  { protocolNumber, acceptedAt }: { protocolNumber: string; acceptedAt: Date },
): boolean {
  requireText(protocolNumber, 'protocolNumber');
  const at = millis(acceptedAt, 'acceptedAt');
  return write(db, () => {
    const row = currentOutcome(db, id);
    switch (row.state) {
      case 'accepted':
        if (row.protocol_number === protocolNumber) return false;
        throw new StoreError(
          'CONFLICTING_OUTCOME',
          `submission ${id} was accepted as ${row.protocol_number ?? '?'}, now reported as ${protocolNumber}`,
        );
      case 'rejected':
        return refuse(id, row.state, 'accepted');
      case 'queued':
      case 'sending':
        prepared(
          db,
          `UPDATE submissions SET state = 'accepted', protocol_number = ?, accepted_at = ?, sealed = NULL
           WHERE id = ?`,
        ).run(protocolNumber, at, id);
        prepared(db, 'DELETE FROM outbox WHERE submission_id = ?').run(id);
        return true;
      default:
        return unreachable(row.state);
    }
  });
}

/**
 * Records the hub's refusal: the code and reason stay for technicians, the
 * sealed personal data is purged and the outbox row removed. Idempotent like
 * markAccepted; an accepted request cannot be rejected.
 */
export function markRejected(
  db: Database,
  id: string,
  { code, reason, rejectedAt }: { code: string; reason: string; rejectedAt: Date },
): boolean {
  requireText(code, 'code');
  const at = millis(rejectedAt, 'rejectedAt');
  return write(db, () => {
    const row = currentOutcome(db, id);
    switch (row.state) {
      case 'rejected':
        if (row.rejected_code === code) return false;
        throw new StoreError(
          'CONFLICTING_OUTCOME',
          `submission ${id} was rejected with ${row.rejected_code ?? '?'}, now reported with ${code}`,
        );
      case 'accepted':
        return refuse(id, row.state, 'rejected');
      case 'queued':
      case 'sending':
        prepared(
          db,
          `UPDATE submissions SET state = 'rejected', rejected_code = ?, rejected_reason = ?, rejected_at = ?,
                  sealed = NULL
           WHERE id = ?`,
        ).run(code, reason, at, id);
        prepared(db, 'DELETE FROM outbox WHERE submission_id = ?').run(id);
        return true;
      default:
        return unreachable(row.state);
    }
  });
}

/**
 * Puts requests that were being sent back in the queue, due at `nextAttemptAt`
 * (a push failed in a retryable way). All or nothing: any id that is not
 * sending is INVALID_TRANSITION (or SUBMISSION_NOT_FOUND) and nothing changes.
 */
export function releaseForRetry(
  db: Database,
  ids: readonly string[],
  { nextAttemptAt, error }: { nextAttemptAt: Date; error?: string },
): number {
  const at = millis(nextAttemptAt, 'nextAttemptAt');
  return write(db, () => {
    for (const id of ids) {
      const row = currentOutcome(db, id);
      if (row.state !== 'sending') refuse(id, row.state, 'queued');
      prepared(db, `UPDATE submissions SET state = 'queued' WHERE id = ?`).run(id);
      prepared(db, 'UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE submission_id = ?').run(
        at,
        error ?? null,
        id,
      );
    }
    return ids.length;
  });
}

/**
 * At boot: whatever was being sent when the process died goes back to queued,
 * due as before. The hub answers a repeated id with its first answer, so
 * sending again is always safe. Returns how many were recovered.
 */
export function recoverInFlight(db: Database): number {
  return write(db, () => prepared(db, `UPDATE submissions SET state = 'queued' WHERE state = 'sending'`).run().changes);
}

/** Counts by state and the age of the oldest unacknowledged request, for the heartbeat and the technician. */
export function queueStats(db: Database, now: Date): QueueStats {
  const at = millis(now, 'now');
  const stats: QueueStats = { queued: 0, sending: 0, accepted: 0, rejected: 0, oldestQueuedAgeMs: null };
  const pending = prepared(
    db,
    `SELECT s.state, COUNT(*) AS n, MIN(o.enqueued_at) AS oldest
     FROM outbox o CROSS JOIN submissions s ON s.id = o.submission_id GROUP BY s.state`,
  ).all() as Array<{ state: SubmissionState; n: number; oldest: number }>;
  const final = prepared(
    db,
    `SELECT state, COUNT(*) AS n, NULL AS oldest FROM submissions
     WHERE state IN ('accepted', 'rejected') GROUP BY state`,
  ).all() as Array<{ state: SubmissionState; n: number; oldest: null }>;
  let oldest: number | null = null;
  for (const row of [...pending, ...final]) {
    stats[row.state] = row.n;
    if (row.oldest !== null && (oldest === null || row.oldest < oldest)) oldest = row.oldest;
  }
  if (oldest !== null) stats.oldestQueuedAgeMs = Math.max(0, at - oldest);
  return stats;
}

/** The request with this id, or null. */
export function getSubmission(db: Database, id: string): Submission | null {
  const row = prepared(db, `${SELECT_SUBMISSION} WHERE s.id = ?`).get(id) as SubmissionRow | undefined;
  return row === undefined ? null : toSubmission(row);
}

/** The request with this receipt code as a person typed it (any case, hyphens, O for 0), or null. */
export function findByReceiptCode(db: Database, code: string): Submission | null {
  const normalized = normalizeReceiptCode(code);
  if (normalized === null) return null;
  const row = prepared(db, `${SELECT_SUBMISSION} WHERE s.receipt_code = ?`).get(normalized) as
    SubmissionRow | undefined;
  return row === undefined ? null : toSubmission(row);
}

/**
 * Removes the older copies of purged pages from the WAL by a truncating
 * checkpoint: until then they sit in the -wal file even though no query can
 * reach them. Call after a batch of acknowledgements. Returns false when a
 * reader kept the checkpoint from completing (try again later).
 */
export function flushPurged(db: Database): boolean {
  const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
  return result?.busy === 0;
}

function unreachable(value: never): never {
  throw new Error(`unexpected submission state ${String(value)}`);
}
