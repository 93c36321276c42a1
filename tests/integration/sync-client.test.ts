/**
 * The kiosk's sync client against the real hub over HTTP on an ephemeral
 * port: a kiosk store file on disk, a hub on SQLite, and on PostgreSQL too
 * when DATABASE_URL is set (each run in a schema of its own, dropped after).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, describe, expect, it } from 'vitest';
import { startHub } from '../../server/hub';
import type { RunningHub } from '../../server/hub';
import { createSyncClient } from '../../sync/client/client';
import type { SyncClient } from '../../sync/client/client';
import { enroll } from '../../sync/client/enroll';
import type { Enrollment } from '../../sync/client/enrollment';
import { loadEnrollment } from '../../sync/client/enrollment';
import { SyncError } from '../../sync/client/errors';
import { getSubmissionStatus } from '../../sync/client/status-changes';
import { loadOrCreateIdentity } from '../../sync/crypto/identity';
import type { KioskIdentity } from '../../sync/crypto/identity';
import { seal } from '../../sync/crypto/seal';
import { closeStore, openStore } from '../../sync/store/db';
import type { Store } from '../../sync/store/db';
import { getCache } from '../../sync/store/hub-cache';
import { getSubmission } from '../../sync/store/submissions';
import { queueSealedCertificate } from '../helpers/queue';

const ISTAT = '011011'; // the hub's demo comune
const FRAZIONE = 'colombiera';
const PERSONAL = { codiceFiscale: 'RSSMRA80A01H501U', nome: 'Mario', cognome: 'Rossi' };

type Backend = { name: string; databaseUrl?: () => Promise<string> };

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A fresh PostgreSQL schema for one test, dropped afterwards. */
async function postgresSchema(base: string): Promise<string> {
  const schema = `sync_client_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  cleanups.push(async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });
  return `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

const backends: Backend[] = [{ name: 'sqlite' }];
const pgUrl = process.env.DATABASE_URL;
if (pgUrl) backends.push({ name: 'postgresql', databaseUrl: () => postgresSchema(pgUrl) });

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe.each(backends)('sync client ↔ hub ($name)', (backend) => {
  type Kiosk = { store: Store; identity: KioskIdentity; pinned: Enrollment; client: SyncClient; hubUrl: string };
  let hubOptions: Parameters<typeof startHub>[0];

  async function startTestHub(port = 0): Promise<RunningHub> {
    const hub = await startHub({ ...hubOptions, port });
    cleanups.push(() => hub.close());
    return hub;
  }

  async function setup(): Promise<{ hub: RunningHub; kiosk: Kiosk }> {
    hubOptions = {
      dataDir: tempDir('sportello-hub-'),
      ...(backend.databaseUrl ? { databaseUrl: await backend.databaseUrl() } : {}),
    };
    const hub = await startTestHub();
    const kioskDir = tempDir('sportello-kiosk-');
    const store = openStore(join(kioskDir, 'sportello.db'));
    cleanups.push(() => closeStore(store));
    const identity = loadOrCreateIdentity(kioskDir);
    const pinned = await enroll({
      hubUrl: hub.url,
      code: await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: FRAZIONE }),
      identity,
      softwareVersion: '0.1.0',
      db: store.db,
    });
    return {
      hub,
      kiosk: { store, identity, pinned, client: client(store, identity, pinned, hub.url), hubUrl: hub.url },
    };
  }

  function client(store: Store, identity: KioskIdentity, pinned: Enrollment, hubUrl: string): SyncClient {
    const c = createSyncClient({
      db: store.db,
      hubUrl,
      identity,
      pinned,
      now: Date.now,
      random: Math.random,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      heartbeat: () => ({ devices: [{ device: 'printer', state: 'ok', code: null }], appVersion: '0.1.0', uptimeS: 5 }),
      batchSize: 2,
      backoff: { baseMs: 60_000, capMs: 60_000 }, // the tests retry through connectivityChanged/syncNow, not the timer
      requestTimeoutMs: 5_000,
    });
    cleanups.push(() => c.stop());
    return c;
  }

  /** What the runtime does when a resident submits: seal to the pinned hub key, then one store transaction. */
  async function submit(kiosk: Kiosk, service = 'residenza'): Promise<string> {
    const id = uuidv7();
    const sealed = await seal(kiosk.pinned.hubEncryptionKey, new TextEncoder().encode(JSON.stringify(PERSONAL)), id);
    queueSealedCertificate(kiosk.store.db, id, sealed, { service });
    kiosk.client.notifyQueued();
    return id;
  }

  it('pins the hub keys at enrollment, and refuses a code used already', async () => {
    const { hub, kiosk } = await setup();
    expect(kiosk.pinned).toMatchObject({
      comune: { istat: ISTAT },
      frazione: { code: FRAZIONE },
      hubSigningKey: hub.keys.signing,
      hubEncryptionKey: hub.keys.encryption,
    });
    expect(loadEnrollment(kiosk.store.db)?.kioskKeyId).toBe(kiosk.identity.kioskKeyId);

    const code = await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: FRAZIONE });
    const other = tempDir('sportello-kiosk-');
    const otherStore = openStore(join(other, 'sportello.db'));
    cleanups.push(() => closeStore(otherStore));
    await enroll({
      hubUrl: hub.url,
      code,
      identity: loadOrCreateIdentity(other),
      softwareVersion: '0.1.0',
      db: otherStore.db,
    });
    const third = tempDir('sportello-kiosk-');
    const thirdStore = openStore(join(third, 'sportello.db'));
    cleanups.push(() => closeStore(thirdStore));
    const refused = await enroll({
      hubUrl: hub.url,
      code,
      identity: loadOrCreateIdentity(third),
      softwareVersion: '0.1.0',
      db: thirdStore.db,
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SyncError);
    expect((refused as SyncError).code).toBe('ENROLLMENT_CODE_INVALID');
    expect(loadEnrollment(thirdStore.db)).toBeNull();
  });

  it('keeps requests queued while the hub is down, then delivers each exactly once and purges it', async () => {
    const { hub, kiosk } = await setup();
    const port = hub.port;
    await hub.close();

    kiosk.client.start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await submit(kiosk));
    await kiosk.client.idle();

    expect(kiosk.client.status()).toMatchObject({
      online: false,
      lastError: 'HUB_UNREACHABLE',
      queue: { queued: 5, sending: 0, accepted: 0 },
    });
    for (const id of ids) {
      expect(getSubmission(kiosk.store.db, id)).toMatchObject({ state: 'queued', holdsPersonalData: true });
    }

    const back = await startTestHub(port);
    kiosk.client.connectivityChanged(true);
    await kiosk.client.idle();
    await kiosk.client.syncNow(); // a second pass must not deliver anything twice

    const stored = await back.admin.listRequests();
    expect(stored.map((r) => r.id).sort()).toEqual([...ids].sort());
    const numbers = new Set<string>();
    for (const id of ids) {
      const local = getSubmission(kiosk.store.db, id);
      const remote = stored.find((r) => r.id === id);
      expect(local).toMatchObject({ state: 'accepted', holdsPersonalData: false });
      expect(local?.protocolNumber).toBeTruthy();
      expect(local?.protocolNumber).toBe(remote?.protocolNumber);
      numbers.add(local!.protocolNumber!);
    }
    expect(numbers.size).toBe(5);
    const sealedLeft = kiosk.store.db
      .prepare('SELECT COUNT(*) AS n FROM submissions WHERE sealed IS NOT NULL')
      .get() as {
      n: number;
    };
    expect(sealedLeft.n).toBe(0);
    expect(kiosk.client.status()).toMatchObject({ online: true, lastError: null, queue: { queued: 0, accepted: 5 } });
  });

  it('keeps only the sealed envelope on the kiosk: the personal data is nowhere in the store files', async () => {
    const { kiosk } = await setup();
    const id = await submit(kiosk);
    expect(getSubmission(kiosk.store.db, id)?.holdsPersonalData).toBe(true);
    for (const suffix of ['', '-wal']) {
      const path = kiosk.store.path + suffix;
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path);
      expect(bytes.includes(Buffer.from(PERSONAL.codiceFiscale))).toBe(false);
      expect(bytes.includes(Buffer.from(PERSONAL.cognome))).toBe(false);
    }
  });

  it('rejects an item the hub refuses (unknown service) and delivers the rest', async () => {
    const { hub, kiosk } = await setup();
    const bad = await submit(kiosk, 'licenza-di-pesca');
    const good = await submit(kiosk);
    await kiosk.client.syncNow();

    expect(getSubmission(kiosk.store.db, bad)).toMatchObject({
      state: 'rejected',
      rejectedCode: 'UNKNOWN_SERVICE',
      holdsPersonalData: false,
    });
    const local = getSubmission(kiosk.store.db, good);
    expect(local?.state).toBe('accepted');
    expect((await hub.admin.listRequests()).find((r) => r.id === good)?.protocolNumber).toBe(local?.protocolNumber);
  });

  it('pulls the catalogs and a status change made at the hub, and reports by heartbeat', async () => {
    const { hub, kiosk } = await setup();
    const id = await submit(kiosk);
    await kiosk.client.syncNow();
    expect(getCache(kiosk.store.db, 'catalog')).not.toBeNull();
    expect(getCache(kiosk.store.db, 'stradario')).not.toBeNull();

    await hub.admin.addStatusChange(id, 'answered', 'Il certificato è pronto allo sportello di Molicciara.');
    await kiosk.client.syncNow();

    expect(getSubmissionStatus(kiosk.store.db, id)).toMatchObject({
      submissionId: id,
      status: 'answered',
      answer: 'Il certificato è pronto allo sportello di Molicciara.',
    });
    const [registered] = await hub.admin.listKiosks();
    expect(registered?.lastHeartbeatAt).not.toBeNull();
    expect(kiosk.client.status().lastPullAt).not.toBeNull();
  });

  it("holds a revoked kiosk's requests queued (not rejected) until it is enrolled again", async () => {
    const { hub, kiosk } = await setup();
    await kiosk.client.syncNow();
    await hub.admin.revokeKiosk(kiosk.pinned.kioskId);

    const id = await submit(kiosk);
    await kiosk.client.syncNow();

    expect(kiosk.client.status()).toMatchObject({ online: true, lastError: 'REVOKED_KIOSK', queue: { queued: 1 } });
    expect(getSubmission(kiosk.store.db, id)).toMatchObject({ state: 'queued', holdsPersonalData: true });
    expect((await hub.admin.listRequests()).some((r) => r.id === id)).toBe(false);

    // A revoked key never comes back: the technician makes a new identity and enrolls it.
    await kiosk.client.stop();
    const identity = loadOrCreateIdentity(tempDir('sportello-identity-'));
    const pinned = await enroll({
      hubUrl: hub.url,
      code: await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: FRAZIONE }),
      identity,
      softwareVersion: '0.1.0',
      db: kiosk.store.db,
    });
    const renewed = client(kiosk.store, identity, pinned, hub.url);
    await renewed.syncNow();

    expect(getSubmission(kiosk.store.db, id)).toMatchObject({ state: 'accepted', holdsPersonalData: false });
    expect((await hub.admin.listRequests()).filter((r) => r.id === id)).toHaveLength(1);
  });
});
