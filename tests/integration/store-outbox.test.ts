import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v4 as uuidv4, v7 as uuidv7, validate as isUuid, version as uuidVersion } from 'uuid';
import { afterEach, describe, expect, it } from 'vitest';
import { closeStore, openStore } from '../../sync/store/db';
import type { Store } from '../../sync/store/db';
import { readInfo, seedInfo } from '../../sync/store/info';
import type { OfficeInfo } from '../../sync/store/info';
import { LATEST_VERSION, StoreError, migrate } from '../../sync/store/migrations';
import { RECEIPT_ALPHABET, formatReceiptCode, receiptCodeFor } from '../../sync/store/receipt';
import { recordSessionEnd } from '../../sync/store/sessions';
import {
  claimBatch,
  createSubmission,
  findByReceiptCode,
  flushPurged,
  getSubmission,
  markAccepted,
  markRejected,
  newSubmissionId,
  queueStats,
  recoverInFlight,
  releaseForRetry,
} from '../../sync/store/submissions';
import type { NewSubmission } from '../../sync/store/submissions';

const dirs: string[] = [];
const stores: Store[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sportello-outbox-'));
  dirs.push(dir);
  return join(dir, 'sportello.db');
}
function open(path = tempDb()): Store {
  const store = openStore(path);
  stores.push(store);
  return store;
}
afterEach(() => {
  for (const s of stores.splice(0)) closeStore(s);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const T0 = new Date('2026-12-01T09:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function request(overrides: Partial<NewSubmission> = {}): NewSubmission {
  return {
    kind: 'certificate',
    service: 'anpr.residenza',
    locale: 'it',
    publicFields: { copies: 1, frazione: 'Colombiera' },
    sealed: new TextEncoder().encode('sealed-bytes-of-a-test'),
    now: T0,
    ...overrides,
  };
}

/** A UUIDv7 whose random part comes from `n`: ids a test can reproduce. */
function fixedId(n: number, ms = T0.getTime()): string {
  const random = new Uint8Array(16);
  new DataView(random.buffer).setUint32(12, n);
  random[6] = n & 0xff;
  return uuidv7({ msecs: ms, random });
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof StoreError) return err.code;
    throw err;
  }
  throw new Error('expected a StoreError, nothing was thrown');
}

const count = (db: Db, sql: string, ...params: unknown[]) => (db.prepare(sql).get(...params) as { n: number }).n;
const orphans = (db: Db) =>
  count(
    db,
    `SELECT COUNT(*) AS n FROM submissions s LEFT JOIN outbox o ON o.submission_id = s.id
     WHERE s.state IN ('queued', 'sending') AND o.submission_id IS NULL`,
  );
const totalChanges = (db: Db) => count(db, 'SELECT total_changes() AS n');

describe('creating a request', () => {
  it('writes the submission and its outbox row together, queued and due at once', () => {
    const { db } = open();
    const created = createSubmission(db, request());

    expect(isUuid(created.id) && uuidVersion(created.id)).toBe(7);
    expect(created.createdAt).toEqual(T0);
    expect(created.receiptCode).toBe(receiptCodeFor(created.id));
    const row = db.prepare('SELECT state, sealed, public_json, attempts FROM submissions WHERE id = ?').get(created.id);
    expect(row).toEqual({
      state: 'queued',
      sealed: Buffer.from('sealed-bytes-of-a-test'),
      public_json: '{"copies":1,"frazione":"Colombiera"}',
      attempts: 0,
    });
    expect(
      db.prepare('SELECT enqueued_at, next_attempt_at FROM outbox WHERE submission_id = ?').get(created.id),
    ).toEqual({ enqueued_at: T0.getTime(), next_attempt_at: T0.getTime() });
    expect(getSubmission(db, created.id)).toMatchObject({
      state: 'queued',
      holdsPersonalData: true,
      nextAttemptAt: T0,
      protocolNumber: null,
      publicFields: { copies: 1, frazione: 'Colombiera' },
    });
  });

  it('takes the id it is given (made first, for the seal), and refuses the same id twice without touching the first', () => {
    const { db } = open();
    const id = newSubmissionId(T0);
    expect(uuidVersion(id)).toBe(7);
    expect(createSubmission(db, request({ id })).id).toBe(id);
    expect(codeOf(() => createSubmission(db, request({ id, service: 'other' })))).toBe('SUBMISSION_EXISTS');
    expect(count(db, 'SELECT COUNT(*) AS n FROM submissions')).toBe(1);
    expect(getSubmission(db, id)?.service).toBe('anpr.residenza');
  });

  it('refuses an id that is not a UUIDv7, empty sealed data and a broken clock, writing nothing', () => {
    const { db } = open();
    expect(codeOf(() => createSubmission(db, request({ id: uuidv4() })))).toBe('INVALID_INPUT');
    expect(codeOf(() => createSubmission(db, request({ sealed: new Uint8Array(0) })))).toBe('INVALID_INPUT');
    expect(codeOf(() => createSubmission(db, request({ now: new Date(Number.NaN) })))).toBe('INVALID_INPUT');
    expect(codeOf(() => createSubmission(db, request({ kind: '' })))).toBe('INVALID_INPUT');
    expect(count(db, 'SELECT COUNT(*) AS n FROM submissions')).toBe(0);
  });
});

describe('the outbox state machine', () => {
  it('claims due requests oldest first, counting each attempt', () => {
    const { db } = open();
    const ids = [0, 1, 2].map((i) => createSubmission(db, request({ now: at(i) })).id);

    const first = claimBatch(db, { max: 2, now: at(10) });
    expect(first.map((i) => i.id)).toEqual(ids.slice(0, 2));
    expect(first[0]).toMatchObject({ attempts: 1, kind: 'certificate', createdAt: at(0) });
    expect(Buffer.from(first[0]!.sealed).toString()).toBe('sealed-bytes-of-a-test');
    expect(getSubmission(db, ids[0]!)).toMatchObject({ state: 'sending', attempts: 1, lastAttemptAt: at(10) });

    expect(claimBatch(db, { max: 10, now: at(10) }).map((i) => i.id)).toEqual([ids[2]]);
    expect(claimBatch(db, { max: 10, now: at(10) })).toEqual([]);
  });

  it('does not claim a request before its next attempt is due, and remembers why the last one failed', () => {
    const { db } = open();
    const { id } = createSubmission(db, request());
    claimBatch(db, { max: 5, now: at(0) });
    expect(releaseForRetry(db, [id], { nextAttemptAt: at(60_000), error: 'HUB_UNREACHABLE' })).toBe(1);
    expect(getSubmission(db, id)).toMatchObject({
      state: 'queued',
      nextAttemptAt: at(60_000),
      lastError: 'HUB_UNREACHABLE',
    });

    expect(claimBatch(db, { max: 5, now: at(59_999) })).toEqual([]);
    const [again] = claimBatch(db, { max: 5, now: at(60_000) });
    expect(again).toMatchObject({ id, attempts: 2 });
  });

  it('on acceptance keeps the protocol number, purges the sealed data and drops the outbox row, once', () => {
    const { db } = open();
    const { id } = createSubmission(db, request());
    claimBatch(db, { max: 1, now: at(1) });

    expect(markAccepted(db, id, { protocolNumber: '2026/000123', acceptedAt: at(2) })).toBe(true);
    expect(db.prepare('SELECT sealed FROM submissions WHERE id = ?').get(id)).toEqual({ sealed: null });
    expect(count(db, 'SELECT COUNT(*) AS n FROM outbox')).toBe(0);
    expect(getSubmission(db, id)).toMatchObject({
      state: 'accepted',
      protocolNumber: '2026/000123',
      acceptedAt: at(2),
      holdsPersonalData: false,
      nextAttemptAt: null,
    });

    // The hub answers a retry with its first answer: the same ack again changes nothing.
    expect(markAccepted(db, id, { protocolNumber: '2026/000123', acceptedAt: at(9) })).toBe(false);
    expect(getSubmission(db, id)?.acceptedAt).toEqual(at(2));
    expect(codeOf(() => markAccepted(db, id, { protocolNumber: '2026/000999', acceptedAt: at(9) }))).toBe(
      'CONFLICTING_OUTCOME',
    );
  });

  it('on rejection keeps code and reason for technicians and purges the sealed data', () => {
    const { db } = open();
    const { id } = createSubmission(db, request());
    claimBatch(db, { max: 1, now: at(1) });

    const rejection = { code: 'SERVICE_UNKNOWN', reason: 'service anpr.residenza is not offered', rejectedAt: at(2) };
    expect(markRejected(db, id, rejection)).toBe(true);
    expect(markRejected(db, id, rejection)).toBe(false);
    expect(getSubmission(db, id)).toMatchObject({
      state: 'rejected',
      rejectedCode: 'SERVICE_UNKNOWN',
      rejectedReason: 'service anpr.residenza is not offered',
      rejectedAt: at(2),
      holdsPersonalData: false,
    });
    expect(count(db, 'SELECT COUNT(*) AS n FROM outbox')).toBe(0);
    expect(codeOf(() => markRejected(db, id, { ...rejection, code: 'OTHER' }))).toBe('CONFLICTING_OUTCOME');
  });

  it('accepts a request straight from the queue (a status pulled after a lost response)', () => {
    const { db } = open();
    const { id } = createSubmission(db, request());
    expect(markAccepted(db, id, { protocolNumber: 'P-1', acceptedAt: at(5) })).toBe(true);
    expect(claimBatch(db, { max: 5, now: at(10) })).toEqual([]);
  });

  it('never moves a delivered or refused request back, and refuses unknown ids', () => {
    const { db } = open();
    const accepted = createSubmission(db, request({ now: at(0) })).id;
    const rejected = createSubmission(db, request({ now: at(1) })).id;
    const queued = createSubmission(db, request({ now: at(2) })).id;
    claimBatch(db, { max: 2, now: at(3) });
    markAccepted(db, accepted, { protocolNumber: 'P-1', acceptedAt: at(4) });
    markRejected(db, rejected, { code: 'BAD', reason: 'bad', rejectedAt: at(4) });

    expect(codeOf(() => releaseForRetry(db, [accepted], { nextAttemptAt: at(5) }))).toBe('INVALID_TRANSITION');
    expect(codeOf(() => markRejected(db, accepted, { code: 'BAD', reason: 'x', rejectedAt: at(5) }))).toBe(
      'INVALID_TRANSITION',
    );
    expect(codeOf(() => markAccepted(db, rejected, { protocolNumber: 'P-2', acceptedAt: at(5) }))).toBe(
      'INVALID_TRANSITION',
    );
    expect(codeOf(() => releaseForRetry(db, [queued], { nextAttemptAt: at(5) }))).toBe('INVALID_TRANSITION');
    expect(codeOf(() => markAccepted(db, fixedId(99), { protocolNumber: 'P', acceptedAt: at(5) }))).toBe(
      'SUBMISSION_NOT_FOUND',
    );
    expect(recoverInFlight(db)).toBe(0);
    expect(getSubmission(db, accepted)?.state).toBe('accepted');
    expect(getSubmission(db, rejected)?.state).toBe('rejected');
  });

  it('releases a batch all or nothing', () => {
    const { db } = open();
    const a = createSubmission(db, request({ now: at(0) })).id;
    const b = createSubmission(db, request({ now: at(1) })).id;
    claimBatch(db, { max: 2, now: at(2) });
    markAccepted(db, b, { protocolNumber: 'P-1', acceptedAt: at(3) });

    expect(codeOf(() => releaseForRetry(db, [a, b], { nextAttemptAt: at(4) }))).toBe('INVALID_TRANSITION');
    expect(getSubmission(db, a)?.state).toBe('sending');
  });

  it('keeps the purge in the schema too: a final state holding personal data is refused by SQLite', () => {
    const { db } = open();
    const { id } = createSubmission(db, request());
    expect(() =>
      db
        .prepare(`UPDATE submissions SET state = 'accepted', protocol_number = 'P', accepted_at = 1 WHERE id = ?`)
        .run(id),
    ).toThrow(/CHECK constraint failed/);
    expect(() => db.prepare('UPDATE submissions SET sealed = NULL WHERE id = ?').run(id)).toThrow(
      /CHECK constraint failed/,
    );
  });

  it('after a crash puts what was being sent back in the queue, attempts kept', () => {
    const path = tempDb();
    const first = open(path);
    const ids = [0, 1, 2].map((i) => createSubmission(first.db, request({ now: at(i) })).id);
    claimBatch(first.db, { max: 2, now: at(5) });
    closeStore(first); // the push never finished

    const { db } = open(path);
    expect(queueStats(db, at(6))).toMatchObject({ queued: 1, sending: 2 });
    expect(recoverInFlight(db)).toBe(2);
    expect(queueStats(db, at(6))).toMatchObject({ queued: 3, sending: 0 });
    const again = claimBatch(db, { max: 5, now: at(7) });
    expect(again.map((i) => [i.id, i.attempts])).toEqual([
      [ids[0], 2],
      [ids[1], 2],
      [ids[2], 1],
    ]);
  });

  it('reports queue depth by state and the age of the oldest unacknowledged request', () => {
    const { db } = open();
    expect(queueStats(db, at(0))).toEqual({ queued: 0, sending: 0, accepted: 0, rejected: 0, oldestQueuedAgeMs: null });
    const ids = [0, 1000, 2000, 3000].map((ms) => createSubmission(db, request({ now: at(ms) })).id);
    claimBatch(db, { max: 2, now: at(4000) });
    markAccepted(db, ids[0]!, { protocolNumber: 'P-1', acceptedAt: at(4000) });
    markRejected(db, ids[2]!, { code: 'BAD', reason: 'bad', rejectedAt: at(4000) });
    expect(queueStats(db, at(10_000))).toEqual({
      queued: 1,
      sending: 1,
      accepted: 1,
      rejected: 1,
      oldestQueuedAgeMs: 9000,
    });
  });
});

describe('receipt codes', () => {
  it('are eight readable characters, unique, derived from the id, and found however they are typed', () => {
    const { db } = open();
    const created = db.transaction(() =>
      Array.from({ length: 5000 }, (_, i) => createSubmission(db, request({ now: at(i) }))),
    )();

    const codes = new Set(created.map((c) => c.receiptCode));
    expect(codes.size).toBe(created.length);
    for (const c of created) {
      expect(c.receiptCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
      expect([...c.receiptCode].every((ch) => RECEIPT_ALPHABET.includes(ch))).toBe(true);
    }

    const sample = created[1234]!;
    expect(findByReceiptCode(db, sample.receiptCode)?.id).toBe(sample.id);
    const typed = formatReceiptCode(sample.receiptCode).toLowerCase().replace(/0/g, 'o').replace(/1/g, 'l');
    expect(findByReceiptCode(db, ` ${typed} `)?.id).toBe(sample.id);
    expect(findByReceiptCode(db, 'ZZZZ-ZZZZ')).toBeNull();
    expect(findByReceiptCode(db, 'UUUU-UUUU')).toBeNull();
    expect(findByReceiptCode(db, 'short')).toBeNull();
  });

  it('derives the next code from the id when the first is already taken', () => {
    const { db } = open();
    const other = createSubmission(db, request({ id: fixedId(1) }));
    const id = fixedId(2);
    db.prepare('UPDATE submissions SET receipt_code = ? WHERE id = ?').run(receiptCodeFor(id), other.id);

    const created = createSubmission(db, request({ id }));
    expect(created.receiptCode).toBe(receiptCodeFor(id, 1));
    expect(findByReceiptCode(db, created.receiptCode)?.id).toBe(id);
  });
});

describe('purging personal data', () => {
  const marker = (label: string) => `MARKER-PERSONAL-${label}-${'x'.repeat(64)}`;
  function fileBytes(path: string): Buffer {
    const parts = ['', '-wal'].filter((s) => existsSync(path + s)).map((s) => readFileSync(path + s));
    return Buffer.concat(parts);
  }

  it('leaves no trace of acknowledged sealed bytes in the database file or its WAL after flushPurged', () => {
    const path = tempDb();
    const { db } = open(path);
    const encode = (label: string) => new TextEncoder().encode(marker(label));
    // 20 KB: the tail lives on overflow pages, which the purge frees rather than rewrites.
    const big = new TextEncoder().encode(`${marker('ACCEPTED')}${'y'.repeat(20_000)}${marker('TAIL')}`);
    const accepted = createSubmission(db, request({ sealed: big, now: at(0) })).id;
    const rejected = createSubmission(db, request({ sealed: encode('REJECTED'), now: at(1) })).id;
    createSubmission(db, request({ sealed: encode('PENDING'), now: at(2) }));

    // Before: the markers are on disk (first in the WAL, then in the main file), so the search can see them.
    expect(fileBytes(path).includes(marker('ACCEPTED'))).toBe(true);
    expect(flushPurged(db)).toBe(true);
    expect(readFileSync(path).includes(marker('ACCEPTED'))).toBe(true);
    expect(readFileSync(path).includes(marker('REJECTED'))).toBe(true);
    expect(readFileSync(path).includes(marker('TAIL'))).toBe(true);

    claimBatch(db, { max: 3, now: at(3) });
    markAccepted(db, accepted, { protocolNumber: 'P-1', acceptedAt: at(4) });
    markRejected(db, rejected, { code: 'BAD', reason: 'bad', rejectedAt: at(4) });
    expect(flushPurged(db)).toBe(true);

    const bytes = fileBytes(path);
    expect(bytes.includes(marker('ACCEPTED'))).toBe(false);
    expect(bytes.includes(marker('REJECTED'))).toBe(false);
    expect(bytes.includes(marker('TAIL'))).toBe(false);
    expect(bytes.includes('MARKER-PERSONAL-ACC')).toBe(false);
    expect(bytes.includes(marker('PENDING'))).toBe(true);
  });
});

describe('a full disk', () => {
  it('refuses a request before writing anything when free space is under the threshold', () => {
    const { db } = open();
    const before = totalChanges(db);
    const err = (() => {
      try {
        createSubmission(db, request(), { minFreeBytes: Number.MAX_SAFE_INTEGER });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'STORE_FULL' });
    expect((err as Error).message).toMatch(/bytes free/);
    expect(totalChanges(db)).toBe(before);
    expect(count(db, 'SELECT COUNT(*) AS n FROM submissions')).toBe(0);
    // The default threshold (50 MB) lets it through on the test machine.
    expect(createSubmission(db, request()).id).toBeTruthy();
  });

  it('maps SQLite running out of room to STORE_FULL and leaves no request without its outbox row', () => {
    const { db } = open();
    // max_page_count is SQLite's own "disk is full": every page past it fails with SQLITE_FULL.
    let limit = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${limit}`);
    let refused = 0;
    let refusedMidway = 0; // the submission row was written, then the outbox row or the commit failed
    const created: string[] = [];

    for (let i = 0; i < 400; i += 1) {
      for (;;) {
        const id = fixedId(i, T0.getTime() + i);
        const before = totalChanges(db);
        try {
          createSubmission(db, request({ id, now: at(i), sealed: new Uint8Array(40).fill(0x42) }));
          created.push(id);
          break;
        } catch (err) {
          expect(err).toBeInstanceOf(StoreError);
          expect(err).toMatchObject({ code: 'STORE_FULL' });
          refused += 1;
          if (totalChanges(db) - before >= 1) refusedMidway += 1;
          expect(getSubmission(db, id)).toBeNull();
          expect(orphans(db)).toBe(0);
          // One more page of "disk", and try the same request again.
          limit += 1;
          db.pragma(`max_page_count = ${limit}`);
        }
      }
    }

    expect(refused).toBeGreaterThan(0);
    expect(refusedMidway).toBeGreaterThan(0);
    expect(count(db, 'SELECT COUNT(*) AS n FROM submissions')).toBe(created.length);
    expect(count(db, 'SELECT COUNT(*) AS n FROM outbox')).toBe(created.length);
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
  });
});

describe('migration 3', () => {
  const info: OfficeInfo = {
    offices: [
      {
        id: 'municipio',
        name: 'Municipio',
        address: 'Via Example 1',
        phone: '+39 0187 000 001',
        email: 'a@comune.esempio.it',
        staffed: true,
        lat: 44.1,
        lon: 10.0,
        hours: [{ day: 1, opens: '08:30', closes: '12:30' }],
      },
    ],
    contacts: [{ topic: 'registry', phone: '+39 0187 000 001', email: 'a@comune.esempio.it' }],
  };

  it('upgrades a version-2 database holding offices and session counts, keeping them', () => {
    const path = tempDb();
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    migrate(old, 2);
    seedInfo(old, info);
    recordSessionEnd(old, '2026-11-30', 'done');
    recordSessionEnd(old, '2026-11-30', 'idle');
    expect(migrate(old, 3)).toEqual([3]);
    expect(old.pragma('user_version', { simple: true })).toBe(3);
    old.close();

    const { db } = open(path);
    expect(readInfo(db)).toEqual(info);
    expect(recordSessionEnd(db, '2026-11-30', 'home')).toBe(3);
    const { id } = createSubmission(db, request());
    expect(getSubmission(db, id)?.state).toBe('queued');
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it('upgrades a version-3 database with queued requests to the queue-order index, claiming them oldest first', () => {
    const path = tempDb();
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    migrate(old, 3);
    const first = createSubmission(old, request({ now: at(0) }));
    const second = createSubmission(old, request({ now: at(1000) }));
    old.close();

    const { db } = open(path);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT s.id FROM outbox o CROSS JOIN submissions s ON s.id = o.submission_id
         WHERE s.state = 'queued' ORDER BY o.enqueued_at, o.submission_id`,
      )
      .all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' | ')).toContain('outbox_queue_order');
    expect(claimBatch(db, { max: 10, now: at(2000) }).map((i) => i.id)).toEqual([first.id, second.id]);
  });
});
