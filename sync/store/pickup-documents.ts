import type { Database } from 'better-sqlite3';
import { StoreError } from './migrations';
import { dateOrNull, millis, prepared, write } from './tx';

/**
 * Documents waiting for pickup at this kiosk (migration 5), and the failed
 * attempts that rate-limit pickups.
 *
 * A document arrives in a pull as an envelope the kiosk cannot open: it opens
 * only with the pickup secret printed in the resident's receipt, which the
 * kiosk never stores. Its life here:
 *
 *   ready ──markCollected──▶ collected (envelope gone; waits to be reported) ──markReported──▶ reported
 *     └──purgePickups at expires_at──▶ expired (envelope gone)
 *
 * Collected and expired rows stay as tombstones (no envelope, nothing personal)
 * so a document delivered again is not taken again and the resident hears what
 * happened to it; `purgePickups` deletes them a while after expiry.
 */
export type PickupState = 'ready' | 'collected' | 'expired';

export type NewPickupDocument = {
  id: string;
  submissionId: string;
  /** The document's title in the kiosk's languages (nothing personal), as the hub sent it. */
  title: Record<string, string>;
  issuedAt: Date;
  expiresAt: Date;
  envelope: Uint8Array;
};

/** A document as the kiosk may describe it before it is opened: never the envelope. */
export type PickupDocumentInfo = {
  id: string;
  submissionId: string;
  title: Record<string, string>;
  issuedAt: Date;
  expiresAt: Date;
  state: PickupState;
  collectedAt: Date | null;
};

export type CollectionToReport = { documentId: string; collectedAt: Date };

/** Tombstones of collected (and reported) or expired documents are kept this long after expiry. */
export const PICKUP_TOMBSTONE_MS = 30 * 24 * 60 * 60_000;
/** Failed attempts older than this no longer count for anything. */
export const PICKUP_FAILURE_RETENTION_MS = 24 * 60 * 60_000;

type Row = {
  id: string;
  submission_id: string;
  title_json: string;
  issued_at: number;
  expires_at: number;
  has_envelope: 0 | 1;
  collected_at: number | null;
};

const SELECT_INFO = `SELECT id, submission_id, title_json, issued_at, expires_at,
  envelope IS NOT NULL AS has_envelope, collected_at FROM pickup_documents`;

function toInfo(r: Row, now: number): PickupDocumentInfo {
  const state: PickupState =
    r.collected_at !== null ? 'collected' : r.has_envelope === 1 && r.expires_at > now ? 'ready' : 'expired';
  return {
    id: r.id,
    submissionId: r.submission_id,
    title: JSON.parse(r.title_json) as Record<string, string>,
    issuedAt: new Date(r.issued_at),
    expiresAt: new Date(r.expires_at),
    state,
    collectedAt: dateOrNull(r.collected_at),
  };
}

/**
 * Keeps the documents of one pull page: a document already known (even as a
 * tombstone) or already expired is skipped. Nests in the pull's transaction.
 * Returns how many were stored.
 */
export function putPickupDocuments(db: Database, documents: readonly NewPickupDocument[], now: Date): number {
  const at = millis(now, 'now');
  return write(db, () => {
    let stored = 0;
    const insert = prepared(
      db,
      `INSERT INTO pickup_documents (id, submission_id, title_json, issued_at, expires_at, envelope, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    for (const doc of documents) {
      const expiresAt = millis(doc.expiresAt, 'expiresAt');
      if (expiresAt <= at) continue;
      if (!(doc.envelope instanceof Uint8Array) || doc.envelope.byteLength === 0) {
        throw new StoreError('INVALID_INPUT', `document ${doc.id} has no envelope`);
      }
      const envelope = Buffer.from(doc.envelope.buffer, doc.envelope.byteOffset, doc.envelope.byteLength);
      const result = insert.run(
        doc.id,
        doc.submissionId,
        JSON.stringify(doc.title),
        millis(doc.issuedAt, 'issuedAt'),
        expiresAt,
        envelope,
        at,
      );
      stored += result.changes;
    }
    return stored;
  });
}

/**
 * The document of a request the resident should hear about: the newest one
 * still ready, else the newest one at all; null when none has arrived.
 */
export function pickupForSubmission(db: Database, submissionId: string, now: Date): PickupDocumentInfo | null {
  const at = millis(now, 'now');
  const rows = prepared(db, `${SELECT_INFO} WHERE submission_id = ? ORDER BY issued_at DESC, id DESC`).all(
    submissionId,
  ) as Row[];
  const docs = rows.map((r) => toInfo(r, at));
  return docs.find((d) => d.state === 'ready') ?? docs[0] ?? null;
}

/** The envelope of a document still ready at `now`, or null. */
export function readEnvelope(db: Database, id: string, now: Date): Uint8Array | null {
  const row = prepared(
    db,
    'SELECT envelope FROM pickup_documents WHERE id = ? AND envelope IS NOT NULL AND collected_at IS NULL AND expires_at > ?',
  ).get(id, millis(now, 'now')) as { envelope: Buffer } | undefined;
  return row === undefined ? null : new Uint8Array(row.envelope);
}

/**
 * Records that the document was printed for the resident: the envelope goes,
 * the collection waits to be reported to the hub. False when it was not ready.
 */
export function markCollected(db: Database, id: string, at: Date): boolean {
  const ms = millis(at, 'at');
  return write(
    db,
    () =>
      prepared(
        db,
        `UPDATE pickup_documents SET collected_at = ?, envelope = NULL
         WHERE id = ? AND collected_at IS NULL AND envelope IS NOT NULL`,
      ).run(ms, id).changes === 1,
  );
}

/** Collections the hub has not acknowledged yet, oldest first. */
export function unreportedCollections(db: Database, max: number): CollectionToReport[] {
  const rows = prepared(
    db,
    `SELECT id, collected_at FROM pickup_documents
     WHERE collected_at IS NOT NULL AND reported_at IS NULL ORDER BY collected_at, id LIMIT ?`,
  ).all(max) as Array<{ id: string; collected_at: number }>;
  return rows.map((r) => ({ documentId: r.id, collectedAt: new Date(r.collected_at) }));
}

/** The hub recorded these collections. */
export function markReported(db: Database, ids: readonly string[], at: Date): number {
  const ms = millis(at, 'at');
  return write(db, () => {
    const update = prepared(
      db,
      'UPDATE pickup_documents SET reported_at = ? WHERE id = ? AND collected_at IS NOT NULL AND reported_at IS NULL',
    );
    let n = 0;
    for (const id of ids) n += update.run(ms, id).changes;
    return n;
  });
}

/** How many collections wait to be reported. */
export function unreportedCount(db: Database): number {
  return (
    prepared(
      db,
      'SELECT COUNT(*) AS n FROM pickup_documents WHERE collected_at IS NOT NULL AND reported_at IS NULL',
    ).get() as { n: number }
  ).n;
}

/**
 * Deletes the envelopes of documents past their expiry, tombstones long past
 * it (never a collection not yet reported), and old failed attempts. Returns
 * how many envelopes went. Call flushPurged afterwards to clear the WAL.
 */
export function purgePickups(db: Database, now: Date): { expired: number; deleted: number } {
  const at = millis(now, 'now');
  return write(db, () => {
    const expired = prepared(
      db,
      'UPDATE pickup_documents SET envelope = NULL WHERE envelope IS NOT NULL AND expires_at <= ?',
    ).run(at).changes;
    const deleted = prepared(
      db,
      `DELETE FROM pickup_documents
       WHERE envelope IS NULL AND expires_at <= ? AND (collected_at IS NULL OR reported_at IS NOT NULL)`,
    ).run(at - PICKUP_TOMBSTONE_MS).changes;
    prepared(db, 'DELETE FROM pickup_failures WHERE at <= ?').run(at - PICKUP_FAILURE_RETENTION_MS);
    return { expired, deleted };
  });
}

// ── Failed attempts ─────────────────────────────────────────────────────────

/** Counts one failed attempt in each scope ('kiosk', a submission id). */
export function recordPickupFailure(db: Database, scopes: readonly string[], at: Date): void {
  const ms = millis(at, 'at');
  write(db, () => {
    const insert = prepared(db, 'INSERT INTO pickup_failures (scope, at) VALUES (?, ?)');
    for (const scope of scopes) insert.run(scope, ms);
  });
}

/** The instants of the failed attempts in `scope` after `since`, newest first. */
export function pickupFailuresSince(db: Database, scope: string, since: Date): Date[] {
  const rows = prepared(db, 'SELECT at FROM pickup_failures WHERE scope = ? AND at > ? ORDER BY at DESC').all(
    scope,
    millis(since, 'since'),
  ) as Array<{ at: number }>;
  return rows.map((r) => new Date(r.at));
}

/** Forgets the failed attempts of one scope (a request whose document was collected). */
export function clearPickupFailures(db: Database, scope: string): void {
  write(db, () => prepared(db, 'DELETE FROM pickup_failures WHERE scope = ?').run(scope));
}
