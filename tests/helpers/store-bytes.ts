/**
 * What the kiosk's SQLite store keeps on disk, read as raw bytes: the file,
 * its write-ahead log and its shared memory, as anyone who took the disk
 * would read them. A search that finds no secret proves something only if it
 * reads where the rows are, so every search also looks for a value the store
 * does keep in clear.
 */
import type { Database } from 'better-sqlite3';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { STORE_FILE } from '../../kiosk-shell/runtime/runtime';

/**
 * Every file of the store in `dataDir` (`sportello.db` and whatever sits
 * beside it under that name: `-wal`, `-shm`) holds none of `secrets`, named
 * by what they are so that a failure never prints one; `known`, which the
 * store keeps in clear, is found in them.
 */
export function expectStoreHoldsNone(dataDir: string, secrets: Record<string, string>, known: string): void {
  const files = readdirSync(dataDir).filter((f) => f.startsWith(STORE_FILE));
  expect(files).toContain(STORE_FILE);
  const bytes = files.map((file) => ({ file, bytes: readFileSync(join(dataDir, file)) }));
  expect(
    bytes.some((f) => f.bytes.includes(Buffer.from(known, 'utf8'))),
    `${known} in the store`,
  ).toBe(true);
  for (const { file, bytes: content } of bytes) {
    for (const [what, secret] of Object.entries(secrets)) {
      expect(secret.length, `${what} is a value`).toBeGreaterThan(0);
      expect(content.includes(Buffer.from(secret, 'utf8')), `${what} in ${file}`).toBe(false);
    }
  }
}

/** The receipt code of the request written last: the store keeps it in clear. */
export function newestReceiptCode(db: Database): string {
  const row = db.prepare('SELECT receipt_code FROM submissions ORDER BY created_at DESC, id DESC LIMIT 1').get() as
    { receipt_code: string } | undefined;
  if (!row) throw new Error('the store holds no request');
  return row.receipt_code;
}
