import type { Database } from 'better-sqlite3';
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from './migrations';

/** Free space below which the kiosk stops taking requests: room left for the WAL, logs and acks. */
export const DEFAULT_MIN_FREE_BYTES = 50 * 1024 * 1024;

/** Bytes an unprivileged process may still write on the filesystem holding the store's file. */
export function freeBytes(db: Database): number | null {
  if (db.memory) return null;
  const stats = statfsSync(dirname(db.name));
  return stats.bavail * stats.bsize;
}

/**
 * Throws StoreError STORE_FULL when the store's filesystem has less than
 * `minFreeBytes` available: a request must be refused before anything is
 * written and before the resident is told it was accepted.
 */
export function assertFreeSpace(db: Database, minFreeBytes: number = DEFAULT_MIN_FREE_BYTES): void {
  const free = freeBytes(db);
  if (free !== null && free < minFreeBytes) {
    throw new StoreError(
      'STORE_FULL',
      `only ${free} bytes free on the store's disk, ${minFreeBytes} required to take a request`,
    );
  }
}
