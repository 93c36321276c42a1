/**
 * The sync spine through a faulty link (issue 4, "Faults"): a kiosk store file
 * and the real sync client, talking to the real hub through the
 * fault-injecting proxy (./proxy). Every fault on every kind of request
 * (push, pull, heartbeat; enroll too), connection-level faults one after
 * another, and hub restarts in the middle of a batch. After each, the client
 * recovers on its own (short backoff) or by `syncNow`, and every submission
 * must be at the hub exactly once, accepted on the kiosk with the hub's
 * protocol number, with no gap in the hub's numbers.
 *
 * The hub runs on SQLite, and on PostgreSQL too when DATABASE_URL is set
 * (in a schema of its own, dropped after).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHub } from '../../server/hub';
import type { RunningHub, StartHubOptions } from '../../server/hub';
import { createTestSchema } from '../../server/testing/postgres';
import type { TestSchema } from '../../server/testing/postgres';
import { createSyncClient, enroll, getSubmissionStatus, loadEnrollment, SyncError } from '../../sync/client';
import type { Enrollment, SyncClient, SyncStatus } from '../../sync/client';
import { loadOrCreateIdentity } from '../../sync/crypto/identity';
import type { KioskIdentity } from '../../sync/crypto/identity';
import { seal } from '../../sync/crypto/seal';
import { closeStore, openStore } from '../../sync/store/db';
import type { Store } from '../../sync/store/db';
import { getSubmission, queueStats } from '../../sync/store/submissions';
import { queueSealedCertificate } from '../helpers/queue';
import { faultName, faults, startFaultProxy } from './proxy';
import type { Exchange, Fault, FaultProxy, Rule } from './proxy';

const ISTAT = '011011'; // the hub's demo comune
const FRAZIONE = 'colombiera';
const PERSONAL = new TextEncoder().encode(JSON.stringify({ codiceFiscale: 'RSSMRA80A01H501U', nome: 'Mario' }));
/** The client's request timeout; LATE is past it (the request reaches the hub after the client gave up). */
const TIMEOUT_MS = 1_000;
const SHORT_MS = 200;
const LATE_MS = 1_300;

const PATHS = ['/v1/push', '/v1/pull', '/v1/heartbeat'] as const;
const FAULTS: Fault[] = [
  faults.drop,
  faults.delay(SHORT_MS),
  faults.delay(LATE_MS),
  faults.reset,
  faults.cutAfterCommit,
  faults.status(500),
  faults.status(503),
];
/** A late request costs a whole timeout: once is enough. */
const timesFor = (fault: Fault) => (fault.kind === 'delay' && fault.ms > TIMEOUT_MS ? 1 : 2);
/** Faults after which the request's caller sees a failure. */
const fails = (fault: Fault) => !(fault.kind === 'pass' || (fault.kind === 'delay' && fault.ms < TIMEOUT_MS));

type Backend = { name: string; schema?: () => Promise<TestSchema> };
const backends: Backend[] = [{ name: 'sqlite' }];
const pgUrl = process.env.DATABASE_URL;
if (pgUrl) backends.push({ name: 'postgresql', schema: () => createTestSchema(pgUrl, 'faults') });

const silent = pino({ level: 'silent' });

type Kiosk = { dir: string; store: Store; identity: KioskIdentity; pinned: Enrollment; client: SyncClient };

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function tempDir(prefix: string, list: Array<() => unknown> = cleanups): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  list.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function until(what: string, ready: () => boolean, explain: () => unknown, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(explain())}`);
    await sleep(10);
  }
}

function client(
  kiosk: Omit<Kiosk, 'client'>,
  hubUrl: string,
  schedule: 'fast' | 'manual',
  requestTimeoutMs = TIMEOUT_MS,
): SyncClient {
  const c = createSyncClient({
    db: kiosk.store.db,
    hubUrl,
    identity: kiosk.identity,
    pinned: kiosk.pinned,
    now: Date.now,
    random: Math.random,
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    heartbeat: () => ({ devices: [{ device: 'printer', state: 'ok', code: null }], appVersion: '0.1.0', uptimeS: 1 }),
    batchSize: 2,
    requestTimeoutMs,
    // fast: the client recovers by itself, retrying within tens of ms and pulling and
    // reporting every 40 ms; manual: only syncNow moves it.
    ...(schedule === 'fast'
      ? { backoff: { baseMs: 10, capMs: 40 }, pollIntervalMs: 40, heartbeatIntervalMs: 40 }
      : { backoff: { baseMs: 60_000, capMs: 60_000 } }),
  });
  cleanups.push(() => c.stop());
  return c;
}

/** A new kiosk: its own store file and identity, enrolled straight at the hub (not through the proxy). */
async function newKiosk(
  hub: RunningHub,
  hubUrl: string,
  schedule: 'fast' | 'manual',
  requestTimeoutMs = TIMEOUT_MS,
): Promise<Kiosk> {
  const dir = tempDir('sportello-faults-kiosk-');
  const store = openStore(join(dir, 'sportello.db'));
  cleanups.push(() => closeStore(store));
  const identity = loadOrCreateIdentity(dir);
  const pinned = await enroll({
    hubUrl: hub.url,
    code: await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: FRAZIONE }),
    identity,
    softwareVersion: '0.1.0',
    db: store.db,
  });
  const kiosk = { dir, store, identity, pinned };
  return { ...kiosk, client: client(kiosk, hubUrl, schedule, requestTimeoutMs) };
}

/** What the runtime does when a resident submits: seal to the pinned key, one store transaction, tell the client. */
async function submit(kiosk: Kiosk, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = uuidv7();
    const sealed = await seal(kiosk.pinned.hubEncryptionKey, PERSONAL, id);
    queueSealedCertificate(kiosk.store.db, id, sealed);
    kiosk.client.notifyQueued();
    ids.push(id);
  }
  return ids;
}

function pending(kiosk: Kiosk): number {
  const q = queueStats(kiosk.store.db, new Date());
  return q.queued + q.sending;
}

/**
 * Each of `ids` is at the hub exactly once, from this kiosk, and nothing else
 * from it; each is accepted on the kiosk with the hub's protocol number, and
 * the hub's numbers for the comune have no gap and no repeat.
 */
async function expectDeliveredOnce(hub: RunningHub, kiosk: Kiosk, ids: readonly string[]): Promise<void> {
  const all = await hub.admin.listRequests();
  const mine = all.filter((r) => r.kioskId === kiosk.pinned.kioskId);
  const count = new Map<string, number>();
  for (const r of mine) count.set(r.id, (count.get(r.id) ?? 0) + 1);
  expect(Object.fromEntries(count)).toEqual(Object.fromEntries(ids.map((id) => [id, 1])));

  const local = kiosk.store.db.prepare('SELECT COUNT(*) AS n FROM submissions').get() as { n: number };
  expect(local.n).toBe(ids.length);
  for (const id of ids) {
    const remote = mine.find((r) => r.id === id);
    expect(remote?.protocolNumber).toBeTruthy();
    expect(getSubmission(kiosk.store.db, id)).toMatchObject({
      state: 'accepted',
      protocolNumber: remote?.protocolNumber,
      holdsPersonalData: false,
    });
  }

  const numbers = all.flatMap((r) => (r.protocolNumber === null ? [] : [r.protocolNumber]));
  const byYear = new Map<string, number[]>();
  for (const n of numbers) {
    const [catastale, year, seq] = n.split('-');
    const key = `${catastale}-${year}`;
    byYear.set(key, [...(byYear.get(key) ?? []), Number(seq)]);
  }
  for (const [key, seqs] of byYear) {
    const sorted = [...seqs].sort((a, b) => a - b);
    expect(sorted, `protocol numbers of ${key}`).toEqual(sorted.map((_, i) => i + 1));
  }
}

const brief = (e: Exchange) => `${e.id} ${e.method ?? '-'} ${e.path ?? '-'} ${faultName(e.fault)} ${e.outcome}`;

describe.each(backends)('sync through the fault proxy ($name)', (backend) => {
  const suiteCleanups: Array<() => unknown> = [];
  let hub: RunningHub;
  let proxy: FaultProxy;

  async function startTestHub(options: StartHubOptions): Promise<RunningHub> {
    return startHub({ ...options, log: silent });
  }

  async function freshHubOptions(list: Array<() => unknown>): Promise<StartHubOptions> {
    const options: StartHubOptions = { dataDir: tempDir('sportello-faults-hub-', list) };
    if (backend.schema) {
      const schema = await backend.schema();
      list.push(() => schema.drop());
      options.databaseUrl = schema.url;
    }
    return options;
  }

  beforeAll(async () => {
    hub = await startTestHub(await freshHubOptions(suiteCleanups));
    suiteCleanups.push(() => hub.close());
    proxy = await startFaultProxy(hub.port);
    suiteCleanups.push(() => proxy.close());
  });
  afterAll(async () => {
    for (const fn of suiteCleanups.splice(0).reverse()) await fn();
  });
  afterEach(() => proxy.clear());

  /** Waits until `rule` has used all its hits and every request it hit is over. */
  function ruleSpent(rule: Rule): boolean {
    return rule.remaining === 0 && proxy.exchanges.filter((e) => e.rule === rule).every((e) => e.outcome !== 'pending');
  }

  const cases = FAULTS.flatMap((fault) => PATHS.map((path) => ({ fault, path, name: faultName(fault) })));

  it.each(cases)('$name on $path: every submission lands exactly once', async ({ fault, path }) => {
    const kiosk = await newKiosk(hub, proxy.url, 'fast');
    // One request accepted before the fault, with a status change waiting at the hub: the
    // faulted pull (or the one after a faulted push or heartbeat) must still bring it.
    const [seed] = await submit(kiosk, 1);
    expect((await kiosk.client.syncNow()).lastError).toBeNull();
    await hub.admin.addStatusChange(seed!, 'answered', 'Pronto allo sportello.');

    const rule = proxy.inject(fault, { path, times: timesFor(fault) });
    const failures: string[] = [];
    kiosk.client.onStatus((s) => {
      if (s.lastError !== null && failures.at(-1) !== s.lastError) failures.push(s.lastError);
    });
    kiosk.client.start();
    const ids = [seed!, ...(await submit(kiosk, 5))];

    await until(
      `${faultName(fault)} on ${path} to be spent and the queue drained`,
      () => ruleSpent(rule) && pending(kiosk) === 0,
      () => ({ status: kiosk.client.status(), exchanges: proxy.exchanges.slice(-20).map(brief) }),
    );
    const after: SyncStatus = await kiosk.client.syncNow();
    // From the last faulted request on, a heartbeat gets through to the hub and back. It is
    // sent when due (every 40 ms here), not by every cycle: wait for it with the client running.
    const hit = proxy.exchanges.filter((e) => e.rule === rule);
    const lastHit = Math.max(...hit.map((e) => e.id));
    const heartbeatAfterFault = () =>
      proxy.exchanges.some(
        (e) => e.id >= lastHit && e.path === '/v1/heartbeat' && e.outcome === 'answered' && e.hubStatus === 200,
      );
    await until('a heartbeat answered after the last fault', heartbeatAfterFault, () =>
      proxy.exchanges.slice(-10).map(brief),
    );
    await kiosk.client.stop();
    await proxy.settled();

    expect(rule.hits).toBe(timesFor(fault));
    expect(hit.map((e) => e.path)).toEqual(hit.map(() => path));
    if (fault.kind === 'cutAfterCommit') {
      // The hub did answer (so it committed) every request the client never heard back from.
      expect(hit.map((e) => [e.outcome, e.hubStatus])).toEqual(hit.map(() => ['cut', 200]));
    }
    if (fails(fault)) expect(failures.length, 'the fault reached the client').toBeGreaterThan(0);
    else expect(failures).toEqual([]);
    expect(after).toMatchObject({ lastError: null, online: true, queue: { queued: 0, sending: 0 } });

    await expectDeliveredOnce(hub, kiosk, ids);
    expect(getSubmissionStatus(kiosk.store.db, seed!)).toMatchObject({ status: 'answered' });
    expect(heartbeatAfterFault()).toBe(true);
    const registered = (await hub.admin.listKiosks()).find((k) => k.id === kiosk.pinned.kioskId);
    expect(registered?.lastHeartbeatAt).not.toBeNull();
  });

  it.each(FAULTS.map((fault) => ({ fault, name: faultName(fault) })))(
    '$name on /v1/enroll: a retry with the same code enrolls the kiosk once, and it syncs',
    async ({ fault }) => {
      const dir = tempDir('sportello-faults-kiosk-');
      const store = openStore(join(dir, 'sportello.db'));
      cleanups.push(() => closeStore(store));
      const identity = loadOrCreateIdentity(dir);
      const code = await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: FRAZIONE });
      const attempt = () =>
        enroll({ hubUrl: proxy.url, code, identity, softwareVersion: '0.1.0', db: store.db, timeoutMs: TIMEOUT_MS });

      const rule = proxy.inject(fault, { path: '/v1/enroll', times: 1 });
      const first = await attempt().catch((error: unknown) => error);
      expect(rule.hits).toBe(1);
      if (fails(fault)) {
        expect(first).toBeInstanceOf(SyncError);
        expect(['HUB_UNREACHABLE', 'HUB_TIMEOUT', 'HUB_ERROR']).toContain((first as SyncError).code);
        expect(loadEnrollment(store.db)).toBeNull();
      } else {
        expect(first).not.toBeInstanceOf(Error);
      }
      // The technician tries again with the same code (a late first attempt may land before or after).
      const pinned = await attempt();
      await proxy.settled();
      if (fault.kind === 'cutAfterCommit') expect(proxy.exchanges.at(-2)).toMatchObject({ outcome: 'cut' });

      expect(loadEnrollment(store.db)).toMatchObject({ kioskId: pinned.kioskId, hubSigningKey: hub.keys.signing });
      const withKey = (await hub.admin.listKiosks()).filter((k) => k.keyId === identity.kioskKeyId);
      expect(withKey.map((k) => k.id)).toEqual([pinned.kioskId]);

      const partial = { dir, store, identity, pinned };
      const kiosk: Kiosk = { ...partial, client: client(partial, proxy.url, 'manual') };
      const ids = await submit(kiosk, 3);
      expect((await kiosk.client.syncNow()).lastError).toBeNull();
      await expectDeliveredOnce(hub, kiosk, ids);
    },
  );

  it('connection-level faults, one after another, whatever request they hit', async () => {
    const kiosk = await newKiosk(hub, proxy.url, 'fast');
    const sequence = [
      faults.drop,
      faults.reset,
      faults.status(503),
      faults.cutAfterCommit,
      faults.delay(LATE_MS),
      faults.status(500),
      faults.reset,
      faults.cutAfterCommit,
      faults.drop,
    ];
    const rules = sequence.map((fault) => proxy.inject(fault, { times: 1 }));
    kiosk.client.start();
    const ids = await submit(kiosk, 8);

    await until(
      'every connection fault to be spent and the queue drained',
      () => rules.every(ruleSpent) && pending(kiosk) === 0,
      () => ({ status: kiosk.client.status(), exchanges: proxy.exchanges.slice(-20).map(brief) }),
    );
    expect((await kiosk.client.syncNow()).lastError).toBeNull();
    await kiosk.client.stop();
    await proxy.settled();
    expect(rules.map((r) => r.hits)).toEqual(sequence.map(() => 1));
    await expectDeliveredOnce(hub, kiosk, ids);
  });

  describe('hub restart in the middle of a batch', () => {
    /** A hub of its own (restarting the shared one would disturb nothing, but this keeps tests apart). */
    async function restartable(): Promise<{
      current: () => RunningHub;
      proxy: FaultProxy;
      stop: () => Promise<void>;
      restart: () => Promise<RunningHub>;
    }> {
      const options = await freshHubOptions(cleanups);
      let running: RunningHub | null = await startTestHub(options);
      const port = running.port;
      const own = await startFaultProxy(port);
      cleanups.push(async () => {
        await own.close();
        await running?.close();
      });
      return {
        current: () => running!,
        proxy: own,
        async stop() {
          const hub = running!;
          running = null;
          await hub.close();
        },
        async restart() {
          running = await startTestHub({ ...options, port });
          return running;
        },
      };
    }

    /** Syncs until nothing is queued (a cycle may end on the restart). */
    async function drain(kiosk: Kiosk): Promise<SyncStatus> {
      let status = await kiosk.client.syncNow();
      for (let i = 0; i < 5 && (pending(kiosk) > 0 || status.lastError !== null); i += 1) {
        status = await kiosk.client.syncNow();
      }
      return status;
    }

    it('a push held on the way reaches the restarted hub: the batch lands once', async () => {
      const h = await restartable();
      // A request timeout beyond the hold: the client waits for this answer.
      const kiosk = await newKiosk(h.current(), h.proxy.url, 'manual', 5_000);
      const ids = await submit(kiosk, 7);
      // The second batch is held 2.5 s; meanwhile the hub is stopped and started again.
      h.proxy.inject(faults.delay(2_500), { path: '/v1/push', skip: 1, times: 1 });
      let restarted: Promise<unknown> = Promise.resolve();
      h.proxy.events.on('request', (e) => {
        if (e.fault.kind === 'delay') restarted = h.stop().then(() => h.restart());
      });
      const status = await kiosk.client.syncNow();
      await restarted;
      await h.proxy.settled();
      const held = h.proxy.exchanges.find((e) => e.fault.kind === 'delay');
      expect(held).toMatchObject({ outcome: 'answered', hubStatus: 200 });
      expect(status).toMatchObject({ lastError: null, queue: { queued: 0, sending: 0, accepted: 7 } });
      await expectDeliveredOnce(h.current(), kiosk, ids);
    });

    it('a push reaching the stopped hub fails, the batch waits, and the restarted hub takes it once', async () => {
      const h = await restartable();
      const kiosk = await newKiosk(h.current(), h.proxy.url, 'manual');
      const ids = await submit(kiosk, 7);
      h.proxy.inject(faults.delay(300), { path: '/v1/push', skip: 1, times: 1 });
      let stopped: Promise<void> = Promise.resolve();
      h.proxy.events.on('request', (e) => {
        if (e.fault.kind === 'delay') stopped = h.stop();
      });
      const down = await kiosk.client.syncNow();
      await stopped;
      await h.proxy.settled();
      expect(h.proxy.exchanges.find((e) => e.fault.kind === 'delay')).toMatchObject({ outcome: 'unreachable' });
      expect(down).toMatchObject({ lastError: 'HUB_UNREACHABLE', queue: { accepted: 2, queued: 5, sending: 0 } });

      const back = await h.restart();
      expect(await drain(kiosk)).toMatchObject({ lastError: null, queue: { queued: 0, accepted: 7 } });
      await expectDeliveredOnce(back, kiosk, ids);
    });

    it('the hub is stopped while it handles a push: whatever it committed is answered again, once', async () => {
      const h = await restartable();
      const kiosk = await newKiosk(h.current(), h.proxy.url, 'manual');
      const ids = await submit(kiosk, 7);
      let pushes = 0;
      let stopped: Promise<void> = Promise.resolve();
      h.proxy.events.on('forward', (e) => {
        // The second batch's bytes are on their way to the hub: stop it now.
        if (e.path === '/v1/push' && ++pushes === 2) stopped = h.stop();
      });
      await kiosk.client.syncNow();
      await stopped;
      await h.proxy.settled();
      expect(pending(kiosk)).toBeGreaterThan(0);

      const back = await h.restart();
      expect(await drain(kiosk)).toMatchObject({ lastError: null, queue: { queued: 0, accepted: 7 } });
      await expectDeliveredOnce(back, kiosk, ids);
    });

    it('the answer to a committed batch is lost and the hub restarts: the retry gets the same numbers', async () => {
      const h = await restartable();
      const kiosk = await newKiosk(h.current(), h.proxy.url, 'manual');
      const ids = await submit(kiosk, 7);
      h.proxy.inject(faults.cutAfterCommit, { path: '/v1/push', skip: 1, times: 1 });
      const cut = await kiosk.client.syncNow();
      expect(cut).toMatchObject({ lastError: 'HUB_UNREACHABLE', queue: { accepted: 2, queued: 5 } });
      const committed = new Map((await h.current().admin.listRequests()).map((r) => [r.id, r.protocolNumber] as const));
      expect(committed.size).toBe(4); // the first batch, and the second whose answer was cut

      await h.stop();
      const back = await h.restart();
      expect(await drain(kiosk)).toMatchObject({ lastError: null, queue: { queued: 0, accepted: 7 } });
      await expectDeliveredOnce(back, kiosk, ids);
      for (const [id, number] of committed) expect(getSubmission(kiosk.store.db, id)?.protocolNumber).toBe(number);
    });
  });
});
