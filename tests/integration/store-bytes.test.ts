/**
 * The byte search the privacy tests rely on, checked against a real store:
 * it finds a value still in the write-ahead log, refuses to pass when the
 * known value is missing, and so cannot pass by reading nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STORE_FILE } from '../../kiosk-shell/runtime/runtime';
import { closeStore, openStore } from '../../sync/store/db';
import type { Store } from '../../sync/store/db';
import { newSubmissionId } from '../../sync/store/submissions';
import { expectStoreHoldsNone, newestReceiptCode } from '../helpers/store-bytes';
import { queueSealedCertificate } from '../helpers/queue';

const dirs: string[] = [];
const stores: Store[] = [];

afterEach(() => {
  for (const store of stores.splice(0)) closeStore(store);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A store with one queued request whose sealed bytes are `content`, still open: its last write sits in the WAL. */
function storeHolding(content: string): { dir: string; store: Store } {
  const dir = mkdtempSync(join(tmpdir(), 'sportello-store-bytes-'));
  dirs.push(dir);
  const store = openStore(join(dir, STORE_FILE));
  stores.push(store);
  const now = new Date();
  queueSealedCertificate(store.db, newSubmissionId(now), new TextEncoder().encode(content), { now });
  return { dir, store };
}

describe('the search of the store files', () => {
  it('passes when the secrets are nowhere and the newest receipt code is found', () => {
    const { dir, store } = storeHolding('sealed-bytes-only');
    expectStoreHoldsNone(dir, { 'codice fiscale': 'RSSMRA85T10A562S' }, newestReceiptCode(store.db));
  });

  it('finds a secret written to the store, naming what it is and not the secret', () => {
    const { dir, store } = storeHolding('RSSMRA85T10A562S in clear');
    expect(() =>
      expectStoreHoldsNone(dir, { 'codice fiscale': 'RSSMRA85T10A562S' }, newestReceiptCode(store.db)),
    ).toThrow(/codice fiscale in sportello\.db/);
  });

  it('fails when the known value is not in the files, so a search that reads nothing cannot pass', () => {
    const { dir } = storeHolding('sealed-bytes-only');
    expect(() => expectStoreHoldsNone(dir, { 'codice fiscale': 'RSSMRA85T10A562S' }, 'ZZZZ9999')).toThrow(
      /ZZZZ9999 in the store/,
    );
  });
});
