import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../crypto/identity';
import { createEd25519Signer } from '../crypto/keys';
import { open as openSealed, seal } from '../crypto/seal';
import type { StatusChange } from '../protocol/pull';
import { closeStore, openStore } from '../store/db';
import type { Store } from '../store/db';
import { getCache } from '../store/hub-cache';
import { claimBatch, createSubmission, getSubmission, queueStats } from '../store/submissions';
import { getPullCursor } from '../store/sync-state';
import { createSyncClient } from './client';
import type { SyncClientOptions, SyncStatus } from './client';
import { enroll } from './enroll';
import type { Enrollment } from './enrollment';
import { applyStatusChanges, getSubmissionStatus } from './status-changes';
import { deadUrl, fakeClock, startFakeHub } from './testing';
import type { FakeClock, FakeHub } from './testing';

const T0 = Date.parse('2026-12-01T09:00:00.000Z');
const BASE_MS = 1_000;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

type Setup = {
  store: Store;
  hub: FakeHub;
  clock: FakeClock;
  enrollment: Enrollment;
  client: ReturnType<typeof createSyncClient>;
  statuses: SyncStatus[];
};

async function setup(overrides: Partial<SyncClientOptions> = {}): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'sportello-sync-'));
  const store = openStore(join(dir, 'kiosk.db'));
  const identity = loadOrCreateIdentity(dir);
  const clock = fakeClock(T0);
  const hub = await startFakeHub({ now: clock.now });
  cleanups.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => closeStore(store),
    () => hub.close(),
  );
  const enrollment = await enroll({
    hubUrl: hub.url,
    code: hub.createCode(),
    identity,
    softwareVersion: '0.1.0',
    db: store.db,
    now: clock.now,
  });
  hub.requests.length = 0;
  const client = createSyncClient({
    db: store.db,
    hubUrl: hub.url,
    identity,
    pinned: enrollment,
    now: clock.now,
    random: () => 0.5,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    heartbeat: () => ({
      devices: [{ device: 'printer', state: 'warning', code: 'PAPER_LOW' }],
      appVersion: '0.1.0',
      uptimeS: 42,
    }),
    batchSize: 10,
    backoff: { baseMs: BASE_MS, capMs: 8 * BASE_MS },
    ...overrides,
  });
  cleanups.push(() => client.stop());
  const statuses: SyncStatus[] = [];
  client.onStatus((s) => statuses.push(s));
  return { store, hub, clock, enrollment, client, statuses };
}

const PERSONAL = { codiceFiscale: 'RSSMRA80A01H501U', nome: 'Mario Rossi' };

/** Queues a submission the way the runtime does: personal data sealed to the pinned hub key. */
async function queue(s: Setup, fields: { service?: string; kind?: string } = {}): Promise<string> {
  const id = uuidv7({ msecs: s.clock.now() });
  const sealed = await seal(s.enrollment.hubEncryptionKey, new TextEncoder().encode(JSON.stringify(PERSONAL)), id);
  createSubmission(s.store.db, {
    id,
    kind: fields.kind ?? 'certificate',
    service: fields.service ?? 'residenza',
    locale: 'it',
    publicFields: { copies: 1 },
    sealed,
    now: new Date(s.clock.now()),
  });
  return id;
}

const cut = () => ({ destroy: true }) as const;
const pushes = (hub: FakeHub) => hub.requests.filter((r) => r.endpoint === 'push');
const stateOf = (s: Setup, id: string) => getSubmission(s.store.db, id)?.state;

describe('sync client: push', () => {
  it('delivers queued submissions, keeps their protocol numbers and purges the sealed data', async () => {
    const s = await setup();
    const ids = [await queue(s), await queue(s)];

    const status = await s.client.syncNow();

    for (const id of ids) {
      const row = getSubmission(s.store.db, id);
      expect(row).toMatchObject({ state: 'accepted', holdsPersonalData: false });
      expect(row?.protocolNumber).toMatch(/^2026\/\d{6}$/);
    }
    expect(pushes(s.hub)).toHaveLength(1);
    expect(status).toMatchObject({
      online: true,
      lastError: null,
      lastPushAt: new Date(T0).toISOString(),
      queue: { queued: 0, sending: 0, accepted: 2, rejected: 0, oldestQueuedAt: null },
      nextAttemptAt: null,
    });
  });

  it('sends what the hub can open: the item carries the sealed envelope for its own id and the pinned frazione', async () => {
    const s = await setup();
    const id = await queue(s);
    await s.client.syncNow();

    const item = (pushes(s.hub)[0]?.body as { items: Array<Record<string, string>> }).items[0]!;
    expect(item).toMatchObject({ id, kind: 'certificate', service: 'residenza', locale: 'it', frazione: 'colombiera' });
    const opened = await openSealed(s.hub.keys.encryption.privateKey, Buffer.from(item.sealed!, 'base64url'), id);
    expect(JSON.parse(new TextDecoder().decode(opened))).toEqual(PERSONAL);
  });

  it('pushes in batches of batchSize until the outbox is empty', async () => {
    const s = await setup({ batchSize: 2 });
    for (let i = 0; i < 5; i += 1) await queue(s);
    await s.client.syncNow();
    expect(pushes(s.hub).map((r) => (r.body as { items: unknown[] }).items.length)).toEqual([2, 2, 1]);
    expect(queueStats(s.store.db, new Date(T0)).accepted).toBe(5);
  });

  it('moves an item the hub rejects to rejected with its code, and the queue goes on', async () => {
    const s = await setup({ batchSize: 1 });
    const bad = await queue(s, { service: 'not-a-service' });
    const good = await queue(s);
    s.hub.unknownServices.add('not-a-service');

    await s.client.syncNow();

    expect(getSubmission(s.store.db, bad)).toMatchObject({
      state: 'rejected',
      rejectedCode: 'UNKNOWN_SERVICE',
      holdsPersonalData: false,
    });
    expect(stateOf(s, good)).toBe('accepted');
    expect(s.client.status().lastError).toBeNull();
  });

  it('rejects on the kiosk an item that can never be sent, without holding the batch', async () => {
    const s = await setup();
    const bad = await queue(s, { kind: 'parking-permit' });
    const good = await queue(s);
    await s.client.syncNow();

    expect(getSubmission(s.store.db, bad)).toMatchObject({ state: 'rejected', rejectedCode: 'INVALID_ITEM' });
    expect(stateOf(s, good)).toBe('accepted');
    expect((pushes(s.hub)[0]?.body as { items: Array<{ id: string }> }).items.map((i) => i.id)).toEqual([good]);
  });

  it('resends a refused batch one by one and rejects only the item refused alone', async () => {
    const s = await setup();
    const ids = [await queue(s), await queue(s), await queue(s)];
    s.hub.invalidIds.add(ids[1]!);

    await s.client.syncNow();

    expect(ids.map((id) => stateOf(s, id))).toEqual(['accepted', 'rejected', 'accepted']);
    expect(getSubmission(s.store.db, ids[1]!)?.rejectedCode).toBe('INVALID_REQUEST');
    expect(pushes(s.hub).map((r) => (r.body as { items: unknown[] }).items.length)).toEqual([3, 1, 1, 1]);
    expect(s.client.status().lastError).toBeNull();
  });

  it('delivers exactly once when the answer to an accepted push is lost', async () => {
    const s = await setup();
    const id = await queue(s);
    let cuts = 1;
    s.hub.after.push((request) => (request.endpoint === 'push' && cuts-- > 0 ? cut() : undefined));

    await s.client.syncNow();
    expect(stateOf(s, id)).toBe('queued');
    expect(s.hub.stored.size).toBe(1);

    await s.client.syncNow();
    const first = s.hub.stored.get(id);
    expect(first?.status).toBe('accepted');
    expect(getSubmission(s.store.db, id)?.protocolNumber).toBe(first?.status === 'accepted' && first.protocolNumber);
    expect(s.hub.stored.size).toBe(1);
  });

  it('puts back in the queue what a previous run left being sent, at start', async () => {
    const s = await setup();
    const id = await queue(s);
    claimBatch(s.store.db, { max: 10, now: new Date(T0) }); // the runtime died mid-push
    expect(stateOf(s, id)).toBe('sending');

    s.client.start();
    await s.client.idle();
    expect(stateOf(s, id)).toBe('accepted');
  });

  it('pushes at once when a submission is queued and the queue is not held', async () => {
    const s = await setup();
    s.client.start();
    await s.client.idle();
    const id = await queue(s);

    s.client.notifyQueued();
    await s.client.idle();
    expect(stateOf(s, id)).toBe('accepted');
  });
});

describe('sync client: holding the queue', () => {
  it('keeps everything queued while the hub is unreachable and retries after a jittered backoff', async () => {
    const s = await setup();
    const id = await queue(s);
    s.hub.before.push(cut);

    s.client.start();
    await s.client.idle();

    expect(stateOf(s, id)).toBe('queued');
    expect(getSubmission(s.store.db, id)).toMatchObject({ holdsPersonalData: true, lastError: 'HUB_UNREACHABLE' });
    // random() = 0.5, first retry: 0.5 × base.
    expect(s.client.status()).toMatchObject({
      online: false,
      lastError: 'HUB_UNREACHABLE',
      nextAttemptAt: new Date(T0 + BASE_MS / 2).toISOString(),
      queue: { queued: 1, sending: 0 },
    });

    // Each failure doubles the ceiling until the cap: 500, 1000, 2000, 4000, 4000.
    const waits: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const next = Date.parse(s.client.status().nextAttemptAt!);
      waits.push(next - s.clock.now());
      s.clock.advance(next - s.clock.now());
      await s.client.idle();
    }
    expect(waits).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    expect(pushes(s.hub)).toHaveLength(6);

    s.hub.before.length = 0;
    s.clock.advance(Date.parse(s.client.status().nextAttemptAt!) - s.clock.now());
    await s.client.idle();
    expect(stateOf(s, id)).toBe('accepted');
    expect(s.client.status()).toMatchObject({ online: true, lastError: null, nextAttemptAt: null });
  });

  it('does not try before the backoff is over, even when new submissions are queued', async () => {
    const s = await setup();
    await queue(s);
    s.hub.before.push(cut);
    s.client.start();
    await s.client.idle();
    const attempts = pushes(s.hub).length;

    await queue(s);
    s.client.notifyQueued();
    await s.client.idle();
    s.clock.advance(BASE_MS / 2 - 1);
    await s.client.idle();

    expect(pushes(s.hub)).toHaveLength(attempts);
    expect(s.client.status().queue.queued).toBe(2);
  });

  it('tries at once when connectivity returns, and pushes in the original order', async () => {
    const s = await setup();
    const first = await queue(s);
    s.hub.before.push(cut);
    s.client.start();
    await s.client.idle();
    s.clock.advance(10);
    const second = await queue(s);
    s.client.notifyQueued();

    s.hub.before.length = 0;
    s.client.connectivityChanged(true);
    await s.client.idle();

    expect([stateOf(s, first), stateOf(s, second)]).toEqual(['accepted', 'accepted']);
    const last = pushes(s.hub).at(-1)?.body as { items: Array<{ id: string }> };
    expect(last.items.map((i) => i.id)).toEqual([first, second]);
  });

  it('holds on a 5xx and on an unsigned 502 from a proxy', async () => {
    const s = await setup();
    const id = await queue(s);
    s.hub.before.push(() => ({ status: 500, body: { error: { code: 'INTERNAL', message: 'db down' } } }));
    await s.client.syncNow();
    expect(s.client.status()).toMatchObject({ online: true, lastError: 'INTERNAL' });

    s.hub.before.length = 0;
    s.hub.before.push(() => ({ status: 502, body: { message: 'bad gateway' }, signer: 'none' }));
    await s.client.syncNow();
    expect(s.client.status()).toMatchObject({ online: false, lastError: 'HUB_ERROR' });
    expect(stateOf(s, id)).toBe('queued');
  });

  it("honours the hub's Retry-After on 429", async () => {
    const s = await setup();
    await queue(s);
    s.hub.before.push(() => ({
      status: 429,
      body: { error: { code: 'RATE_LIMITED', message: 'slow down' } },
      headers: { 'retry-after': '120' },
    }));
    await s.client.syncNow();
    expect(s.client.status()).toMatchObject({
      lastError: 'RATE_LIMITED',
      nextAttemptAt: new Date(T0 + 120_000).toISOString(),
    });
  });

  it('gives up on a call after the request timeout, and the batch stays queued', async () => {
    const s = await setup({ requestTimeoutMs: 5_000 });
    const id = await queue(s);
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    s.hub.before.push(() => {
      arrived();
      return { hang: true };
    });

    const done = s.client.syncNow();
    await reached;
    expect(stateOf(s, id)).toBe('sending');
    s.clock.advance(5_000);
    await done;

    expect(stateOf(s, id)).toBe('queued');
    expect(s.client.status().lastError).toBe('HUB_TIMEOUT');
  });

  it('refuses answers not signed by the pinned hub key, and keeps the items queued', async () => {
    const s = await setup();
    const id = await queue(s);
    const impostor = createEd25519Signer(generateKeyPairSync('ed25519').privateKey);
    s.hub.after.push((_request, reply) => ('status' in reply ? { ...reply, signer: impostor } : undefined));

    await s.client.syncNow();

    expect(s.hub.stored.get(id)?.status).toBe('accepted'); // the hub took it…
    expect(stateOf(s, id)).toBe('queued'); // …but the kiosk believes no unpinned answer
    expect(s.client.status()).toMatchObject({ online: false, lastError: 'HUB_KEY_MISMATCH' });
  });

  it('keeps the items of a revoked kiosk queued: the refusal is not the items fault', async () => {
    const s = await setup();
    const id = await queue(s);
    await s.client.syncNow(); // learn the key id from a first request
    const kioskKeyId = s.hub.requests[0]!.keyId!;
    const id2 = await queue(s);
    s.hub.revoke(kioskKeyId);

    await s.client.syncNow();

    expect(stateOf(s, id)).toBe('accepted');
    expect(getSubmission(s.store.db, id2)).toMatchObject({ state: 'queued', holdsPersonalData: true });
    expect(s.client.status()).toMatchObject({ online: true, lastError: 'REVOKED_KIOSK' });
    expect(s.client.status().nextAttemptAt).not.toBeNull();
  });

  it('corrects its request clock from the hub after STALE_TIMESTAMP and goes on', async () => {
    const s = await setup();
    const id = await queue(s);
    s.hub.skewMs = 2 * 60 * 60_000; // the hub is two hours ahead

    await s.client.syncNow();

    expect(stateOf(s, id)).toBe('accepted');
    expect(pushes(s.hub)).toHaveLength(2);
    expect(s.client.status().lastError).toBeNull();
  });

  it('says HUB_UNREACHABLE when nothing listens on the port', async () => {
    const s = await setup({ hubUrl: await deadUrl() });
    await queue(s);
    await s.client.syncNow();
    expect(s.client.status()).toMatchObject({ online: false, lastError: 'HUB_UNREACHABLE', queue: { queued: 1 } });
  });

  it('stops mid-push with the batch back in the queue', async () => {
    const s = await setup();
    const id = await queue(s);
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    s.hub.before.push(() => {
      arrived();
      return { hang: true };
    });
    s.client.start();
    await reached;

    await s.client.stop();
    expect(stateOf(s, id)).toBe('queued');
    expect(s.clock.pending()).toEqual([]);
  });
});

describe('sync client: pull', () => {
  const change = (submissionId: string, status: StatusChange['status'], at: number): StatusChange => ({
    submissionId,
    status,
    answer: status === 'answered' ? 'Il certificato è pronto allo sportello.' : null,
    at: new Date(at).toISOString(),
  });

  it('stores status changes, catalogs and alerts, and saves the cursor it was given', async () => {
    const s = await setup();
    const id = await queue(s);
    await s.client.syncNow();
    s.hub.addStatusChange(change(id, 'in-progress', T0 + 1_000));
    s.hub.addStatusChange(change(id, 'answered', T0 + 2_000));
    s.hub.publish('stradario', {
      version: 'v7',
      streets: [{ code: '0001', name: 'Via Roma', frazione: 'colombiera', postcode: '38057' }],
    });
    s.hub.setAlerts([
      { id: 'a1', level: 'info', title: { it: 'Ufficio chiuso lunedì' }, validUntil: '2026-12-08T00:00:00.000Z' },
    ]);

    await s.client.syncNow();

    expect(getSubmissionStatus(s.store.db, id)).toMatchObject({ status: 'answered' });
    expect(getCache(s.store.db, 'stradario')).toMatchObject({ version: 'v7' });
    expect(getCache(s.store.db, 'alerts')?.body).toEqual([expect.objectContaining({ id: 'a1' })]);
    expect(getPullCursor(s.store.db)).toBe('c2.1');
    expect(s.hub.requests.filter((r) => r.endpoint === 'pull').at(-1)?.url).toBe('/v1/pull?cursor=c0.0');
  });

  it('pulls again at once while the hub says there is more', async () => {
    const s = await setup();
    s.hub.pageSize = 2;
    const ids = [await queue(s), await queue(s), await queue(s)];
    await s.client.syncNow();
    for (const id of ids) s.hub.addStatusChange(change(id, 'closed', T0 + 5_000));
    s.hub.requests.length = 0;

    await s.client.syncNow();

    expect(s.hub.requests.filter((r) => r.endpoint === 'pull').map((r) => r.url)).toEqual([
      '/v1/pull?cursor=c0.0',
      '/v1/pull?cursor=c2.0',
    ]);
    expect(ids.map((id) => getSubmissionStatus(s.store.db, id)?.status)).toEqual(['closed', 'closed', 'closed']);
  });

  it('advances the cursor only with a page that was applied, in the same transaction', async () => {
    let failOn: string | null = null;
    const s = await setup({
      applyStatusChanges: (db, changes, now) => {
        if (changes.some((c) => c.submissionId === failOn)) throw new Error('disk trouble');
        return applyStatusChanges(db, changes, now);
      },
    });
    s.hub.pageSize = 1;
    const [a, b] = [await queue(s), await queue(s)];
    await s.client.syncNow();
    expect(getPullCursor(s.store.db)).toBe('c0.0');
    s.hub.addStatusChange(change(a, 'closed', T0 + 1_000));
    s.hub.addStatusChange(change(b, 'closed', T0 + 2_000));
    s.hub.publish('catalog', { version: 'k2', services: [], certificateTypes: [] });

    // Page 1 (a + the catalog) fails: nothing of it is kept, the cursor stays.
    failOn = a;
    await s.client.syncNow();
    expect(getSubmissionStatus(s.store.db, a)).toBeNull();
    expect(getCache(s.store.db, 'catalog')).toBeNull();
    expect(getPullCursor(s.store.db)).toBe('c0.0');
    expect(s.client.status().lastError).toBe('CLIENT_FAILURE');

    // Page 1 applies with its cursor; page 2 (b) fails and leaves that cursor.
    failOn = b;
    s.clock.advance(Date.parse(s.client.status().nextAttemptAt!) - s.clock.now());
    await s.client.idle();
    expect(getSubmissionStatus(s.store.db, a)?.status).toBe('closed');
    expect(getCache(s.store.db, 'catalog')?.version).toBe('k2');
    expect(getSubmissionStatus(s.store.db, b)).toBeNull();
    expect(getPullCursor(s.store.db)).toBe('c1.1');

    failOn = null;
    s.clock.advance(Date.parse(s.client.status().nextAttemptAt!) - s.clock.now());
    await s.client.idle();
    expect(getSubmissionStatus(s.store.db, b)?.status).toBe('closed');
    expect(getPullCursor(s.store.db)).toBe('c2.1');
    expect(s.client.status().lastError).toBeNull();
  });

  it('keeps the cursor when a pull fails on the wire', async () => {
    const s = await setup();
    await s.client.syncNow();
    const before = getPullCursor(s.store.db);
    s.hub.addStatusChange(change(await queue(s), 'closed', T0));
    s.hub.before.push((r) => (r.endpoint === 'pull' ? { status: 503, signer: 'none' } : undefined));

    await s.client.syncNow();
    expect(getPullCursor(s.store.db)).toBe(before);
    expect(s.client.status().lastError).toBe('HUB_ERROR');
  });
});

describe('sync client: heartbeat and status', () => {
  const refusePushes = (r: { endpoint: string }) =>
    r.endpoint === 'push' ? { status: 500, body: { error: { code: 'INTERNAL', message: 'db down' } } } : undefined;

  it('reports devices, queue depth, oldest queued age, versions and uptime, even while pushes are refused', async () => {
    const s = await setup();
    s.hub.publish('offices', { version: 'o3', offices: [], contacts: [] });
    await queue(s);
    s.clock.advance(5_000);
    await queue(s);
    s.hub.before.push(refusePushes);

    await s.client.syncNow();

    expect(s.hub.heartbeats).toEqual([
      {
        devices: [{ device: 'printer', state: 'warning', code: 'PAPER_LOW' }],
        queueDepth: 2,
        oldestQueuedAgeMs: 5_000,
        versions: { app: '0.1.0', catalogs: { offices: 'o3' } },
        uptimeS: 42,
      },
    ]);
    expect(s.client.status()).toMatchObject({ lastError: 'INTERNAL', queue: { queued: 2 } });
  });

  it('sends a heartbeat once per interval, between polls', async () => {
    const s = await setup({ heartbeatIntervalMs: 60_000, pollIntervalMs: 30_000 });
    s.client.start();
    await s.client.idle();
    const counts = [s.hub.heartbeats.length];
    for (let i = 0; i < 4; i += 1) {
      s.clock.advance(30_000);
      await s.client.idle();
      counts.push(s.hub.heartbeats.length);
    }
    expect(counts).toEqual([1, 1, 2, 2, 3]);
    expect(s.hub.requests.filter((r) => r.endpoint === 'pull')).toHaveLength(5);
  });

  it("keeps its request clock on the hub's with each heartbeat", async () => {
    const s = await setup();
    s.hub.skewMs = 4 * 60_000; // inside the 5-minute window
    await s.client.syncNow();
    s.hub.skewMs = 8 * 60_000; // outside it, unless the kiosk followed the hub's clock
    s.hub.requests.length = 0;

    await s.client.syncNow();
    expect(s.hub.requests.map((r) => r.endpoint)).toEqual(['pull']);
    expect(s.client.status().lastError).toBeNull();
  });

  it('does not send a heartbeat the protocol would refuse, and does not hold the queue for it', async () => {
    const s = await setup({ heartbeat: () => ({ devices: [], appVersion: 'not-semver', uptimeS: 1 }) });
    await s.client.syncNow();
    expect(s.hub.heartbeats).toHaveLength(0);
    expect(s.client.status().lastError).toBeNull();
  });

  it('fires onStatus only when the status changes', async () => {
    const s = await setup();
    s.client.start();
    await s.client.idle();
    const count = s.statuses.length;
    s.client.status();
    s.client.status();
    await s.client.syncNow();
    expect(s.statuses).toHaveLength(count);
    await queue(s);
    s.client.notifyQueued();
    await s.client.idle();
    expect(s.statuses.length).toBeGreaterThan(count);
    expect(s.statuses.at(-1)?.queue.accepted).toBe(1);
  });
});
