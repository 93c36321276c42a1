import type { Database } from 'better-sqlite3';
import { StoreError } from './migrations';
import { millis, prepared, write } from './tx';

/**
 * What the hub publishes and the kiosk keeps for when the link is down: the
 * service catalog (with the ANPR certificate types), the comune's stradario,
 * office information, alerts and the ids of revoked technician cards. Each is one JSON document with the hub's
 * opaque version; the body is validated by whoever reads it (the protocol's
 * schemas), the store only keeps it whole.
 */
export type CacheName = 'catalog' | 'stradario' | 'offices' | 'alerts' | 'revokedCards';

export type CacheEntry = { name: CacheName; version: string; body: unknown; updatedAt: Date };

/**
 * Stores `body` under `name` when `version` differs from the cached one.
 * Returns true when it wrote. Call it inside the transaction that also
 * advances the pull cursor, so a crash never keeps one without the other.
 */
export function putCache(db: Database, name: CacheName, version: string, body: unknown, now: Date): boolean {
  if (typeof version !== 'string' || version.length === 0) {
    throw new StoreError('INVALID_INPUT', 'a cache version must be a non-empty string');
  }
  const json = JSON.stringify(body) as string | undefined;
  if (json === undefined) throw new StoreError('INVALID_INPUT', `cache ${name} has no JSON body`);
  const at = millis(now, 'now');
  return write(db, () => {
    const current = prepared(db, 'SELECT version FROM hub_cache WHERE name = ?').get(name) as
      { version: string } | undefined;
    if (current?.version === version) return false;
    prepared(
      db,
      `INSERT INTO hub_cache (name, version, body, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET version = excluded.version, body = excluded.body,
                                        updated_at = excluded.updated_at`,
    ).run(name, version, json, at);
    return true;
  });
}

/** The cached document `name`, or null when the hub has not published it to this kiosk yet. */
export function getCache(db: Database, name: CacheName): CacheEntry | null {
  const row = prepared(db, 'SELECT version, body, updated_at FROM hub_cache WHERE name = ?').get(name) as
    { version: string; body: string; updated_at: number } | undefined;
  if (row === undefined) return null;
  return { name, version: row.version, body: JSON.parse(row.body) as unknown, updatedAt: new Date(row.updated_at) };
}

/** The version of every cached document, for the pull request and the heartbeat. */
export function cacheVersions(db: Database): Partial<Record<CacheName, string>> {
  const rows = prepared(db, 'SELECT name, version FROM hub_cache ORDER BY name').all() as Array<{
    name: CacheName;
    version: string;
  }>;
  return Object.fromEntries(rows.map((r) => [r.name, r.version]));
}
