import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeStore, openStore } from '../../sync/store/db';
import { readInfo, seedInfo } from '../../sync/store/info';
import type { OfficeInfo } from '../../sync/store/info';
import { LATEST_VERSION, StoreError, migrate } from '../../sync/store/migrations';
import { recordSessionEnd } from '../../sync/store/sessions';

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sportello-store-'));
  dirs.push(dir);
  return join(dir, 'sportello.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

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

describe('kiosk store on a file', () => {
  it('creates a fresh database at the latest version, in WAL with synchronous=FULL', () => {
    const store = openStore(tempDb());
    expect(store.integrityFailure).toBeNull();
    expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    closeStore(store);
  });

  it('sets synchronous=FULL again on reopen (better-sqlite3 would leave NORMAL)', () => {
    const path = tempDb();
    closeStore(openStore(path));
    const store = openStore(path);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    closeStore(store);
  });

  it('upgrades a version-1 database holding data without losing it', () => {
    const path = tempDb();
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    migrate(old, 1);
    expect(old.pragma('user_version', { simple: true })).toBe(1);
    seedInfo(old, info);
    old.close();

    const store = openStore(path);
    expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    expect(readInfo(store.db)).toEqual(info);
    expect(recordSessionEnd(store.db, '2026-11-27', 'idle')).toBe(1);
    closeStore(store);
  });

  it('refuses a database written by newer software instead of guessing', () => {
    const path = tempDb();
    const db = new Database(path);
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    expect(() => openStore(path)).toThrow(StoreError);
  });

  it('seeds office information once and replaces it when the source changes', () => {
    const store = openStore(tempDb());
    expect(seedInfo(store.db, info)).toBe(true);
    expect(seedInfo(store.db, info)).toBe(false);
    const changed = { ...info, contacts: [] };
    expect(seedInfo(store.db, changed)).toBe(true);
    expect(readInfo(store.db).contacts).toEqual([]);
    closeStore(store);
  });

  it('keeps session counts across a reopen', () => {
    const path = tempDb();
    let store = openStore(path);
    recordSessionEnd(store.db, '2026-11-27', 'idle');
    recordSessionEnd(store.db, '2026-11-27', 'done');
    closeStore(store);
    store = openStore(path);
    expect(recordSessionEnd(store.db, '2026-11-27', 'home')).toBe(3);
    expect(recordSessionEnd(store.db, '2026-11-28', 'home')).toBe(1);
    closeStore(store);
  });

  it('moves a file that is not a database aside, never deleting it, and starts empty but flagged', () => {
    const path = tempDb();
    writeFileSync(path, Buffer.from('this is not an sqlite file at all '.repeat(200)));
    const store = openStore(path, () => new Date('2026-11-27T03:00:00Z'));
    expect(store.integrityFailure).not.toBeNull();
    expect(store.integrityFailure?.movedTo).toBe(`${path}.corrupt-2026-11-27T03-00-00-000Z`);
    expect(readFileSync(store.integrityFailure?.movedTo ?? '', 'utf8')).toContain('not an sqlite file');
    expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    closeStore(store);
  });

  it('moves aside a database whose pages fail quick_check', () => {
    const path = tempDb();
    const db = new Database(path);
    db.pragma('journal_mode = DELETE');
    db.pragma('page_size = 4096');
    db.exec('CREATE TABLE t (x TEXT); CREATE INDEX t_x ON t (x);');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run(`row-${i}-${'x'.repeat(50)}`);
    })();
    db.close();
    // Scribble over the middle of the file, past the header: the b-tree pages become garbage.
    const bytes = readFileSync(path);
    bytes.fill(0xa5, 4096 * 3, 4096 * 6);
    writeFileSync(path, bytes);

    const store = openStore(path);
    expect(store.integrityFailure).not.toBeNull();
    expect(existsSync(store.integrityFailure?.movedTo ?? '')).toBe(true);
    const names = readdirSync(join(path, '..'));
    expect(names.some((n) => n.startsWith('sportello.db.corrupt-'))).toBe(true);
    closeStore(store);
  });
});
