/**
 * sync.drain-per-s-sqlite and sync.drain-per-s-postgres: a kiosk that was
 * offline comes back with 10,000 queued submissions and drains them to the
 * hub over loopback.
 *
 * Real parts throughout: a kiosk store file on the repository's disk (var/),
 * each submission carrying a 1,024-byte HPKE envelope sealed (untimed) to the
 * hub's key with its id as AAD; the real sync client (createSyncClient,
 * batchSize 50 as kiosk-shell/runtime/sync.ts uses, undici fetch); the hub in
 * its own process (`server/cli.ts start`, default rate limit) on SQLite under
 * var/ or on PostgreSQL in a fresh schema dropped afterwards. Timed from
 * `client.start()` to the client's status counting the 10,000th accepted.
 * The hub is then checked to hold exactly those 10,000 requests.
 *
 * Same-run baseline: the same hub process, a second kiosk, 10,000 other
 * envelopes pushed as 200 pre-built, pre-signed batches of 50, one at a time
 * over one keep-alive node:http socket (no kiosk store, no client logic): the
 * hub's raw push throughput, which the drain is divided by.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openHub } from '../server/hub';
import { openHubDb } from '../server/db/open';
import { listRequests } from '../server/db/requests';
import { TestKiosk } from '../server/testing/kiosk';
import { createTestSchema } from '../server/testing/postgres';
import type { TestSchema } from '../server/testing/postgres';
import { spawnHubProcess } from '../server/testing/process';
import type { HubProcess } from '../server/testing/process';
import { createSyncClient } from '../sync/client/client';
import type { SyncStatus } from '../sync/client/client';
import { enroll } from '../sync/client/enroll';
import type { Enrollment } from '../sync/client/enrollment';
import type { FetchLike } from '../sync/client/http';
import { toBase64url } from '../sync/crypto/base64url';
import { loadOrCreateIdentity } from '../sync/crypto/identity';
import { ENVELOPE_OVERHEAD_BYTES, seal } from '../sync/crypto/seal';
import { HEADER_KEY, HEADER_NONCE, signRequest, verifyResponse } from '../sync/crypto/sign';
import { ENDPOINTS, PushResponseSchema } from '../sync/protocol';
import type { PushItem } from '../sync/protocol/push';
import { closeStore, openStore } from '../sync/store/db';
import type { Store } from '../sync/store/db';
import { createSubmission, newSubmissionId, queueStats } from '../sync/store/submissions';
import { Cleanup } from './kiosk';
import type { Figure } from './report';
import { round } from './report';
import type { BenchContext, FigureGroup } from './ui';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SQLITE_ID = 'sync.drain-per-s-sqlite';
const POSTGRES_ID = 'sync.drain-per-s-postgres';
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

const ITEMS = 10_000;
/** What the runtime passes (kiosk-shell/runtime/sync.ts); MAX_BATCH in sync/protocol/limits. */
const BATCH = 50;
const SEALED_BYTES = 1024;
const TARGET = 1000;
const ISTAT = '011011'; // the hub's demo comune
const FRAZIONE = 'colombiera';
const SERVICE = 'residenza';
/** Rows per store transaction while filling the queue (untimed). */
const FILL_CHUNK = 500;
/** Seals in flight while preparing envelopes (untimed). */
const SEAL_CONCURRENCY = 64;
/** Signed heartbeats that warm the hub process before the drain. */
const WARMUP_HEARTBEATS = 200;
/** A drain slower than this is a failure, not a figure. */
const DRAIN_TIMEOUT_MS = 10 * 60_000;

type Backend = 'sqlite' | 'postgres';

/** The URL without its password, for messages and notes. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

/** Throws a clear error when PostgreSQL cannot be reached; returns its settings that matter for a write rate. */
async function probePostgres(base: string): Promise<string> {
  const client = new pg.Client({ connectionString: base, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const show = async (name: string) =>
      ((await client.query(`show ${name}`)).rows[0] as Record<string, string>)[name] ?? '?';
    return `PostgreSQL ${await show('server_version')} (fsync=${await show('fsync')}, synchronous_commit=${await show('synchronous_commit')})`;
  } catch (error) {
    throw new Error(
      `PostgreSQL is unreachable at ${redact(base)} (${error instanceof Error ? error.message : String(error)}): ` +
        `set DATABASE_URL to a reachable database, or run \`npm run bench -- ${SQLITE_ID}\` for the SQLite figure alone`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The personal data of one submission, exactly as long as makes a SEALED_BYTES envelope. */
function plaintextFor(i: number): Uint8Array {
  const size = SEALED_BYTES - ENVELOPE_OVERHEAD_BYTES;
  const head = JSON.stringify({
    codiceFiscale: 'RSSMRA80A01C240X',
    nome: 'Mario',
    cognome: 'Rossi',
    indirizzo: 'Via Aurelia 12, Colombiera',
    telefono: '+39 0187 000000',
    email: 'mario.rossi@example.org',
    n: i,
    note: '',
  });
  const text = `${head.slice(0, -2)}${'x'.repeat(size - head.length)}"}`;
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength !== size) throw new Error(`plaintext of ${bytes.byteLength} bytes, wanted ${size}`);
  return bytes;
}

/** Fresh ids (UUIDv7, oldest first) each with its envelope sealed to `hubKey`, `ITEMS` of them. */
async function sealItems(hubKey: string, base: number): Promise<Array<{ id: string; at: Date; sealed: Uint8Array }>> {
  const out: Array<{ id: string; at: Date; sealed: Uint8Array }> = new Array(ITEMS);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < ITEMS; i = next++) {
      const at = new Date(base + i);
      const id = newSubmissionId(at);
      const sealed = await seal(hubKey, plaintextFor(i), id);
      if (sealed.byteLength !== SEALED_BYTES) throw new Error(`envelope of ${sealed.byteLength} bytes`);
      out[i] = { id, at, sealed };
    }
  };
  await Promise.all(Array.from({ length: SEAL_CONCURRENCY }, worker));
  return out;
}

/** CPU seconds (user + system) a process has used so far, from /proc; null where there is no /proc. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();
function processCpuS(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime (fields 14 and 15)
  } catch {
    return null;
  }
}
const ownCpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

type DrainResult = {
  ms: number;
  trips: { count: number; ms: number; push: number; pushMs: number };
  clientCpuS: number;
  hubCpuS: number | null;
};

/**
 * Starts a sync client on the filled store and resolves when its status counts
 * every item accepted. The client's fetch is the global one, wrapped only to
 * time each round trip (request → whole answer read).
 */
async function drain(store: Store, kioskDir: string, pinned: Enrollment, hub: HubProcess): Promise<DrainResult> {
  const trips = { count: 0, ms: 0, push: 0, pushMs: 0 };
  const timedFetch: FetchLike = async (input, init) => {
    const t = performance.now();
    const res = await fetch(input, init);
    const body = await res.arrayBuffer();
    const ms = performance.now() - t;
    trips.count += 1;
    trips.ms += ms;
    if (new URL(input).pathname === ENDPOINTS.push.path) {
      trips.push += 1;
      trips.pushMs += ms;
    }
    const empty = [101, 204, 205, 304].includes(res.status);
    return new Response(empty ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const client = createSyncClient({
    db: store.db,
    hubUrl: hub.url,
    identity: loadOrCreateIdentity(kioskDir),
    pinned,
    fetch: timedFetch,
    now: Date.now,
    random: Math.random,
    setTimer: (fn, ms) => {
      const handle = setTimeout(() => {
        timers.delete(handle);
        fn();
      }, ms);
      timers.add(handle);
      return handle;
    },
    clearTimer: (handle) => {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
      timers.delete(handle as ReturnType<typeof setTimeout>);
    },
    heartbeat: () => ({ devices: [{ device: 'printer', state: 'ok', code: null }], appVersion: '0.1.0', uptimeS: 5 }),
    batchSize: BATCH,
  });

  let doneAt: number | null = null;
  let settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const onStatus = (s: SyncStatus) => {
    if (doneAt === null && s.queue.accepted >= ITEMS) {
      doneAt = performance.now();
      settle?.resolve();
    } else if (s.lastError !== null || s.queue.rejected > 0) {
      settle?.reject(
        new Error(
          `drain stopped: lastError ${s.lastError}, ${s.queue.accepted} accepted, ${s.queue.rejected} rejected`,
        ),
      );
    }
  };
  client.onStatus(onStatus);
  const guard = setTimeout(
    () =>
      settle?.reject(
        new Error(`drain did not finish in ${DRAIN_TIMEOUT_MS / 1000} s: ${JSON.stringify(client.status())}`),
      ),
    DRAIN_TIMEOUT_MS,
  );

  const hubCpu0 = processCpuS(hub.pid);
  const cpu0 = ownCpuS();
  const t0 = performance.now();
  try {
    client.start();
    await finished;
  } finally {
    clearTimeout(guard);
    await client.stop();
    for (const handle of timers) clearTimeout(handle);
  }
  const hubCpu1 = processCpuS(hub.pid);
  // Assigned in the status listener; TypeScript cannot see that from here.
  const last = doneAt as number | null;
  if (last === null) throw new Error('drain ended without the last acceptance');
  return {
    ms: last - t0,
    trips,
    // Both taken a little after the last acceptance (the client's pull and heartbeat follow): an upper bound.
    clientCpuS: ownCpuS() - cpu0,
    hubCpuS: hubCpu0 === null || hubCpu1 === null ? null : hubCpu1 - hubCpu0,
  };
}

/** The hub holds exactly the queued ids, each accepted once, under the numbers the kiosk recorded. */
async function verifyHub(
  options: { dataDir: string; databaseUrl?: string },
  store: Store,
  kioskId: string,
): Promise<void> {
  const local = new Map(
    (
      store.db.prepare('SELECT id, protocol_number AS n, sealed IS NULL AS purged FROM submissions').all() as Array<{
        id: string;
        n: string | null;
        purged: number;
      }>
    ).map((r) => [r.id, r]),
  );
  const stats = queueStats(store.db, new Date());
  if (stats.accepted !== ITEMS || stats.queued + stats.sending + stats.rejected !== 0) {
    throw new Error(`kiosk store after the drain: ${JSON.stringify(stats)}`);
  }
  const hubDb = await openHubDb(options);
  try {
    const stored = await listRequests(hubDb.db);
    if (stored.length !== ITEMS) throw new Error(`hub holds ${stored.length} requests, expected exactly ${ITEMS}`);
    const numbers = new Set<string>();
    for (const r of stored) {
      const mine = local.get(r.id);
      if (mine === undefined) throw new Error(`hub holds ${r.id}, which the kiosk never queued`);
      if (r.kioskId !== kioskId || r.status !== 'accepted' || r.protocolNumber === null) {
        throw new Error(`hub request ${r.id}: kiosk ${r.kioskId}, ${r.status}, number ${r.protocolNumber}`);
      }
      if (r.protocolNumber !== mine.n) {
        throw new Error(`request ${r.id}: hub number ${r.protocolNumber}, kiosk number ${mine.n}`);
      }
      if (!mine.purged) throw new Error(`request ${r.id} accepted but its sealed data is still on the kiosk`);
      numbers.add(r.protocolNumber);
    }
    if (numbers.size !== ITEMS) throw new Error(`${ITEMS - numbers.size} protocol numbers given twice`);
  } finally {
    await hubDb.close();
  }
}

type RawResult = { ms: number; pushes: number };

/**
 * The hub's raw push rate: 10,000 fresh envelopes from a second kiosk, in
 * batches of 50 built and signed before the clock starts, sent one at a time
 * over one keep-alive socket; answers checked (signature, schema, all
 * accepted) after the clock stops.
 */
async function rawPushes(kiosk: TestKiosk, hubUrl: string, hubKey: string): Promise<RawResult> {
  const enrollment = kiosk.enrollment!;
  const sealed = await sealItems(hubKey, Date.now() - ITEMS);
  const url = new URL(ENDPOINTS.push.path, hubUrl);
  const requests: Array<{ body: string; headers: Record<string, string> }> = [];
  for (let at = 0; at < ITEMS; at += BATCH) {
    const items: PushItem[] = sealed.slice(at, at + BATCH).map((s) => ({
      id: s.id,
      kind: 'certificate',
      service: SERVICE,
      locale: 'it',
      frazione: enrollment.frazione.code,
      createdAt: s.at.toISOString(),
      sealed: toBase64url(s.sealed),
    }));
    const body = JSON.stringify({ items });
    const signed = signRequest({ method: 'POST', path: url.pathname, body, identity: kiosk.key });
    requests.push({
      body,
      headers: { ...signed, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
    });
  }

  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = (r: { body: string; headers: Record<string, string> }) =>
    new Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }>(
      (done, fail) => {
        const req = request(url, { method: 'POST', agent, headers: r.headers });
        req.on('error', fail);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', fail);
          res.on('end', () =>
            done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
          );
        });
        req.end(r.body);
      },
    );

  const answers: Array<Awaited<ReturnType<typeof post>>> = [];
  const t0 = performance.now();
  try {
    for (const r of requests) answers.push(await post(r));
  } finally {
    agent.destroy();
  }
  const ms = performance.now() - t0;

  let accepted = 0;
  answers.forEach((answer, i) => {
    const sent = requests[i]!;
    const checked = verifyResponse({
      status: answer.status,
      body: answer.text,
      headers: answer.headers,
      requestKeyId: sent.headers[HEADER_KEY]!,
      requestNonce: sent.headers[HEADER_NONCE]!,
      hubPublicKey: enrollment.hubKeys.signing,
    });
    const parsed = PushResponseSchema.safeParse(JSON.parse(answer.text));
    if (answer.status !== 200 || !checked.ok || !parsed.success) {
      throw new Error(
        `raw push ${i} answered ${answer.status} (${checked.ok ? 'signed' : checked.code}): ${answer.text.slice(0, 300)}`,
      );
    }
    accepted += parsed.data.results.filter((r) => r.status === 'accepted').length;
  });
  if (accepted !== ITEMS) throw new Error(`raw pushes: ${accepted} of ${ITEMS} accepted`);
  return { ms, pushes: requests.length };
}

async function measure(ctx: BenchContext, backend: Backend, pgInfo: string | null): Promise<Figure> {
  const id = backend === 'sqlite' ? SQLITE_ID : POSTGRES_ID;
  const run = new Cleanup();
  ctx.cleanup.add(() => run.run()); // an interrupted bench still stops the hub and drops the schema
  try {
    // On the repository's disk (var/), as `npm start` keeps its data, not in a tmpfs /tmp.
    mkdirSync(join(ROOT, 'var'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, 'var', `bench-sync-${backend}-`));
    run.add(() => rmSync(dir, { recursive: true, force: true }));
    const hubDir = join(dir, 'hub');
    const kioskDir = join(dir, 'kiosk');
    mkdirSync(kioskDir, { recursive: true });

    let schema: TestSchema | null = null;
    if (backend === 'postgres') {
      schema = await createTestSchema(process.env.DATABASE_URL || DEFAULT_DATABASE_URL, 'bench_sync');
      const dropping = schema;
      run.add(() => dropping.drop());
    }
    const hubOptions = { dataDir: hubDir, ...(schema ? { databaseUrl: schema.url } : {}) };

    // Codes made on the database before the hub starts (the CLI's path).
    const setup = await openHub(hubOptions);
    let codes: string[];
    try {
      const admin = setup.admin('bench');
      codes = [
        await admin.createEnrollmentCode({ istat: ISTAT, frazione: FRAZIONE }),
        await admin.createEnrollmentCode({ istat: ISTAT, frazione: FRAZIONE }),
      ];
    } finally {
      await setup.close();
    }
    const hub = await spawnHubProcess(hubOptions);
    run.add(() => hub.stop());

    // The kiosk: its store, its identity, enrolled (the hub's keys pinned in the store).
    const store = openStore(join(kioskDir, 'sportello.db'));
    run.add(() => closeStore(store));
    const pinned = await enroll({
      hubUrl: hub.url,
      code: codes[0]!,
      identity: loadOrCreateIdentity(kioskDir),
      softwareVersion: '0.1.0',
      db: store.db,
    });

    // The queue, untimed: seal each to the pinned key, then store it as the runtime does.
    const sealT = performance.now();
    const sealed = await sealItems(pinned.hubEncryptionKey, Date.now() - ITEMS);
    const sealMs = performance.now() - sealT;
    for (let at = 0; at < ITEMS; at += FILL_CHUNK) {
      store.db.transaction(() => {
        for (const s of sealed.slice(at, at + FILL_CHUNK)) {
          createSubmission(store.db, {
            id: s.id,
            kind: 'certificate',
            service: SERVICE,
            locale: 'it',
            publicFields: { copies: 1 },
            sealed: s.sealed,
            now: s.at,
          });
        }
      })();
    }
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const queued = queueStats(store.db, new Date()).queued;
    if (queued !== ITEMS) throw new Error(`store holds ${queued} queued submissions, expected ${ITEMS}`);

    // The second kiosk (the baseline's) warms the hub process first, as a hub that has been serving
    // kiosks is warm: signed heartbeats run its auth, nonce, rate-limit, commit and signing paths
    // without storing any request.
    const other = new TestKiosk(hub.url);
    await other.enroll(codes[1]!);
    for (let i = 0; i < WARMUP_HEARTBEATS; i += 1) await other.heartbeat();

    const result = await drain(store, kioskDir, pinned, hub);
    await verifyHub(hubOptions, store, pinned.kioskId);

    // Baseline on the same hub process, after the drain and its check.
    const raw = await rawPushes(other, hub.url, pinned.hubEncryptionKey);

    const perS = (ITEMS * 1000) / result.ms;
    const rawPerS = (ITEMS * 1000) / raw.ms;
    const pushMean = result.trips.pushMs / Math.max(1, result.trips.push);
    const outsideS = (result.ms - result.trips.ms) / 1000;
    const where =
      backend === 'sqlite'
        ? `SQLite (WAL, synchronous=FULL, group commit) at ${relative(ROOT, hubDir)}/hub.db`
        : `${pgInfo} at ${redact(process.env.DATABASE_URL || DEFAULT_DATABASE_URL)}, fresh schema ${schema!.schema} (dropped after)`;
    return {
      id,
      value: round(perS, 0),
      unit: 'submissions/s',
      target: `>= ${TARGET}`,
      ok: perS >= TARGET,
      runs: 1,
      note:
        `one drain of ${ITEMS} queued submissions (certificate/${SERVICE}, each a ${SEALED_BYTES}-byte HPKE envelope sealed before timing to the pinned hub key with its id as AAD, ` +
        `${round(sealMs / ITEMS, 2)} ms/seal) from a kiosk store under ${relative(ROOT, kioskDir)} (WAL, synchronous=FULL), ` +
        `by the real sync client (createSyncClient, batchSize ${BATCH} as the runtime, global fetch, one push in flight) ` +
        `to a hub in its own process (\`server/cli.ts start\`, default rate limit, warmed by ${WARMUP_HEARTBEATS} signed heartbeats of a second kiosk) on ${where}, over loopback; ` +
        `timed from client.start() to the status counting the ${ITEMS}th accepted: ${round(result.ms / 1000, 2)} s, ${result.trips.push} pushes; ` +
        `then verified: the hub holds exactly ${ITEMS} requests, the queued ids, all accepted, distinct protocol numbers equal to the kiosk's, sealed data purged on the kiosk. ` +
        `Where the time went: HTTP round trips (fetch → answer read, hub work included) ${round(result.trips.ms / 1000, 2)} s, ` +
        `mean ${round(pushMean, 1)} ms per push; the client's own work between them ${round(outsideS, 2)} s ` +
        `(${round((outsideS * 1000) / Math.max(1, result.trips.push), 1)} ms per batch: claim, zod, sign, verify, markAccepted, status refresh); ` +
        `CPU during the drain: bench process ${round(result.clientCpuS, 2)} s, hub process ${result.hubCpuS === null ? '?' : round(result.hubCpuS, 2)} s ` +
        `(${cpus().length} CPUs${backend === 'postgres' ? ', PostgreSQL server not counted' : ''}). ` +
        `Same-run baseline, same hub process after the drain, second kiosk: ${ITEMS} fresh envelopes as ${raw.pushes} pre-built, pre-signed pushes of ${BATCH}, ` +
        `one at a time over one keep-alive node:http socket, answers checked after: ${Math.round(rawPerS)} submissions/s ` +
        `(${round(raw.ms / raw.pushes, 1)} ms per push); drain / raw = ${round(perS / rawPerS, 2)}`,
    };
  } finally {
    await run.run();
  }
}

export const syncFigures: FigureGroup = {
  ids: [SQLITE_ID, POSTGRES_ID],
  async run(ctx) {
    const figures: Figure[] = [];
    // Checked first, so an unreachable PostgreSQL fails the group at once rather than after the SQLite drain.
    const pgInfo = ctx.wants(POSTGRES_ID)
      ? await probePostgres(process.env.DATABASE_URL || DEFAULT_DATABASE_URL)
      : null;
    if (ctx.wants(SQLITE_ID)) figures.push(await measure(ctx, 'sqlite', null));
    if (ctx.wants(POSTGRES_ID)) figures.push(await measure(ctx, 'postgres', pgInfo));
    return figures;
  },
};
