/**
 * The kiosk store's pickup tables (migration 5) on a file: the upgrade from
 * version 4 keeps what a kiosk holds, and the envelope lifecycle keeps the
 * purge a property of the table.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, describe, expect, it } from 'vitest';
import { closeStore, openStore } from '../../sync/store/db';
import type { Store } from '../../sync/store/db';
import { LATEST_VERSION, migrate } from '../../sync/store/migrations';
import {
  markCollected,
  markReported,
  pickupForSubmission,
  purgePickups,
  putPickupDocuments,
  readEnvelope,
  unreportedCollections,
} from '../../sync/store/pickup-documents';
import { createSubmission, findByReceiptCode } from '../../sync/store/submissions';

const dirs: string[] = [];
const stores: Store[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sportello-store-pickup-'));
  dirs.push(dir);
  return join(dir, 'sportello.db');
}
afterEach(() => {
  for (const s of stores.splice(0)) closeStore(s);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T0 = new Date('2026-12-01T09:00:00.000Z');
const DAY = 24 * 60 * 60_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('migration 5', () => {
  it('upgrades a version-4 database holding a queued request, keeping it, and takes documents for it', () => {
    const path = tempDb();
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    migrate(old, 4);
    const created = createSubmission(old, {
      kind: 'certificate',
      service: 'residenza',
      locale: 'it',
      publicFields: { delivery: 'kiosk' },
      sealed: new Uint8Array([9, 9, 9]),
      now: T0,
    });
    old.close();

    const store = openStore(path);
    stores.push(store);
    const { db } = store;
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    expect(findByReceiptCode(db, created.receiptCode)?.holdsPersonalData).toBe(true);
    const id = uuidv7();
    expect(
      putPickupDocuments(
        db,
        [
          {
            id,
            submissionId: created.id,
            title: { it: 'Certificato di residenza' },
            issuedAt: T0,
            expiresAt: at(30 * DAY),
            envelope: new Uint8Array([1, 2, 3, 4]),
          },
        ],
        T0,
      ),
    ).toBe(1);
    expect(pickupForSubmission(db, created.id, T0)).toMatchObject({ id, state: 'ready' });
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });
});

describe('pickup documents', () => {
  function withDocument(expiresInMs = 30 * DAY) {
    const store = openStore(tempDb());
    stores.push(store);
    const id = uuidv7();
    const submissionId = uuidv7();
    const doc = {
      id,
      submissionId,
      title: { it: 'Certificato di residenza' },
      issuedAt: T0,
      expiresAt: at(expiresInMs),
      envelope: new Uint8Array([1, 2, 3, 4]),
    };
    putPickupDocuments(store.db, [doc], T0);
    return { db: store.db, id, submissionId, doc };
  }

  it('takes a document once, even delivered again after it was collected; never an expired one', () => {
    const { db, id, submissionId, doc } = withDocument();
    expect(putPickupDocuments(db, [doc], T0)).toBe(0);
    expect(markCollected(db, id, at(1000))).toBe(true);
    expect(markCollected(db, id, at(2000))).toBe(false);
    expect(putPickupDocuments(db, [doc], at(3000))).toBe(0);
    expect(pickupForSubmission(db, submissionId, at(3000))).toMatchObject({ state: 'collected' });
    expect(putPickupDocuments(db, [{ ...doc, id: uuidv7(), expiresAt: T0 }], T0)).toBe(0);
  });

  it('keeps a collection until the hub acknowledged it, and only then lets the tombstone go', () => {
    const { db, id, submissionId } = withDocument(DAY);
    markCollected(db, id, at(1000));
    expect(readEnvelope(db, id, at(1000))).toBeNull();
    expect(unreportedCollections(db, 10)).toEqual([{ documentId: id, collectedAt: at(1000) }]);
    expect(purgePickups(db, at(60 * DAY))).toEqual({ expired: 0, deleted: 0 });
    expect(markReported(db, [id], at(2000))).toBe(1);
    expect(unreportedCollections(db, 10)).toEqual([]);
    expect(purgePickups(db, at(60 * DAY))).toEqual({ expired: 0, deleted: 1 });
    expect(pickupForSubmission(db, submissionId, at(60 * DAY))).toBeNull();
  });

  it('refuses in the schema a collected document that still holds its envelope', () => {
    const { db, id } = withDocument();
    expect(() => db.prepare('UPDATE pickup_documents SET collected_at = 1 WHERE id = ?').run(id)).toThrow(/CHECK/);
  });
});
