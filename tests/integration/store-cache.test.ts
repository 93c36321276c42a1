import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeStore, openStore } from '../../sync/store/db';
import type { Store } from '../../sync/store/db';
import { cacheVersions, getCache, putCache } from '../../sync/store/hub-cache';
import { StoreError } from '../../sync/store/migrations';
import { getPullCursor, readSyncState, recordPull, recordPush } from '../../sync/store/sync-state';

const dirs: string[] = [];
const stores: Store[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sportello-cache-'));
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
const catalog = { services: [{ id: 'anpr.residenza', certificate: 'RESIDENZA' }] };

describe('hub caches', () => {
  it('keeps each published document with its version, writing only when the version changes', () => {
    const { db } = open();
    expect(getCache(db, 'catalog')).toBeNull();
    expect(cacheVersions(db)).toEqual({});

    expect(putCache(db, 'catalog', 'v1', catalog, at(0))).toBe(true);
    expect(putCache(db, 'catalog', 'v1', { services: [] }, at(1))).toBe(false);
    expect(getCache(db, 'catalog')).toEqual({ name: 'catalog', version: 'v1', body: catalog, updatedAt: at(0) });

    expect(putCache(db, 'catalog', 'v2', { services: [] }, at(2))).toBe(true);
    expect(putCache(db, 'alerts', 'a7', [{ id: 'neve', level: 'warning' }], at(3))).toBe(true);
    expect(getCache(db, 'catalog')).toMatchObject({ version: 'v2', body: { services: [] }, updatedAt: at(2) });
    expect(cacheVersions(db)).toEqual({ alerts: 'a7', catalog: 'v2' });
  });

  it('refuses an empty version and a body JSON cannot carry', () => {
    const { db } = open();
    expect(() => putCache(db, 'offices', '', {}, at(0))).toThrow(StoreError);
    expect(() => putCache(db, 'offices', 'v1', undefined, at(0))).toThrow(StoreError);
    expect(cacheVersions(db)).toEqual({});
  });

  it('survives a reopen', () => {
    const path = tempDb();
    const first = open(path);
    putCache(first.db, 'stradario', '2026-11', { streets: ['Via Aurelia'] }, at(0));
    closeStore(first);
    expect(getCache(open(path).db, 'stradario')?.body).toEqual({ streets: ['Via Aurelia'] });
  });
});

describe('sync state', () => {
  it('starts empty, then keeps the pull cursor and the last push and pull across a reopen', () => {
    const path = tempDb();
    const first = open(path);
    expect(readSyncState(first.db)).toEqual({ pullCursor: null, lastPushAt: null, lastPullAt: null });
    recordPull(first.db, { cursor: 'opaque-1', at: at(10) });
    recordPush(first.db, at(20));
    recordPull(first.db, { cursor: 'opaque-2', at: at(30) });
    closeStore(first);

    const { db } = open(path);
    expect(getPullCursor(db)).toBe('opaque-2');
    expect(readSyncState(db)).toEqual({ pullCursor: 'opaque-2', lastPushAt: at(20), lastPullAt: at(30) });
  });

  it('advances the cursor together with what the pull applied, or not at all', () => {
    const { db } = open();
    recordPull(db, { cursor: 'c1', at: at(0) });
    const apply = db.transaction(() => {
      putCache(db, 'catalog', 'v9', catalog, at(1));
      recordPull(db, { cursor: 'c2', at: at(1) });
      throw new Error('the process dies before the pull is fully applied');
    });
    expect(() => apply()).toThrow(/dies/);
    expect(getPullCursor(db)).toBe('c1');
    expect(getCache(db, 'catalog')).toBeNull();
  });
});
