/**
 * kill -9 of the kiosk runtime at random points of create and push (issue 4,
 * "Faults"): a child process (./kiosk-runtime) creates sealed requests in
 * the kiosk store while the real sync client pushes them to a real hub in
 * this process; it is SIGKILLed 5–150 ms after it is ready, and started again
 * on the same store, over and over. A last child drains the queue. Then:
 * every request the kiosk acknowledged is at the hub exactly once, the hub
 * has nothing the kiosk does not, every request is accepted on the kiosk
 * with the hub's protocol number, the numbers have no gap, and the store
 * passes quick_check.
 *
 * The hub runs on SQLite, or on PostgreSQL when DATABASE_URL is set. The kill
 * times come from a seeded generator: RUNTIME_KILL_SEED=<seed> replays them
 * (the child's own timing still varies).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub } from '../../server/hub';
import type { RunningHub } from '../../server/hub';
import { createTestSchema } from '../../server/testing/postgres';
import type { TestSchema } from '../../server/testing/postgres';
import { enroll } from '../../sync/client';
import { loadOrCreateIdentity } from '../../sync/crypto/identity';
import { closeStore, openStore } from '../../sync/store/db';
import { bundleChild, seeded } from './child';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KILLS = 100;
const KILL_AFTER_READY_MS: readonly [number, number] = [5, 150];

let dir = '';
let child = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sportello-runtime-kill-'));
  child = bundleChild(join(ROOT, 'tests', 'faults', 'kiosk-runtime.ts'), dir, 'kiosk-runtime.cjs');
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

type Run = { lines: string[]; signal: NodeJS.Signals | null; code: number | null; stderr: string; ready: boolean };

type Child = {
  /** Tells the loaded child to boot; in work mode it is SIGKILLed `killAfterMs` after it is ready. */
  go(killAfterMs?: number): void;
  result: Promise<Run>;
  kill(): void;
};

/**
 * Starts the child in `mode`. It loads and then waits for `go()` before it
 * opens the store, so the next one loads while the previous one runs.
 */
function startChild(kioskDir: string, hubUrl: string, mode: 'work' | 'drain'): Child {
  const proc = spawn(process.execPath, [child, kioskDir, hubUrl, mode], {
    env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let stderr = '';
  let ready = false;
  let killAfter: number | null = null;
  let guard: NodeJS.Timeout | undefined;
  const kill = () => proc.kill('SIGKILL');
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk: string) => {
    out += chunk;
    if (!ready && /(^|\n)ready\n/.test(out)) {
      ready = true;
      if (killAfter !== null) setTimeout(kill, killAfter);
    }
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk: string) => (stderr += chunk));
  proc.stdin.on('error', () => {}); // a child that died early
  const result = new Promise<Run>((done, fail) => {
    proc.on('error', fail);
    proc.on('close', (code, signal) => {
      clearTimeout(guard);
      const lines = out.split('\n').filter((l) => l !== '' && l !== 'loaded');
      done({ lines, signal, code, stderr, ready });
    });
  });
  return {
    go(killAfterMs) {
      killAfter = killAfterMs ?? null;
      guard = setTimeout(kill, 20_000); // a child that never gets ready (or never drains) must not hang the suite
      proc.stdin.write('go\n');
    },
    result,
    kill,
  };
}

describe('kill -9 of the kiosk runtime while it creates and pushes', () => {
  it(`loses nothing it acknowledged and duplicates nothing at the hub, over ${KILLS} kills`, async () => {
    const seed = Number(process.env.RUNTIME_KILL_SEED ?? Date.now() % 2 ** 31);
    const random = seeded(seed);
    const why = (what: string) => `seed ${seed} (RUNTIME_KILL_SEED=${seed} replays the kill times): ${what}`;

    let schema: TestSchema | null = null;
    let hub: RunningHub | null = null;
    let next: Child | null = null;
    try {
      if (process.env.DATABASE_URL) schema = await createTestSchema(process.env.DATABASE_URL, 'runtime_kill');
      hub = await startHub({
        dataDir: join(dir, 'hub'),
        ...(schema ? { databaseUrl: schema.url } : {}),
        log: pino({ level: 'silent' }),
        // A hundred restarts each pull and report at once: far over a real kiosk's rate.
        rateLimit: { max: 1_000_000, windowMs: 60_000 },
      });
      const kioskDir = join(dir, 'kiosk');
      const dbPath = join(kioskDir, 'sportello.db');
      {
        const store = openStore(dbPath);
        await enroll({
          hubUrl: hub.url,
          code: await hub.admin.createEnrollmentCode({ istat: '011011', frazione: 'colombiera' }),
          identity: loadOrCreateIdentity(kioskDir),
          softwareVersion: '0.1.0',
          db: store.db,
        });
        closeStore(store);
      }

      next = startChild(kioskDir, hub.url, 'work');
      const acknowledged = new Set<string>();
      // Where the kills landed: in a create (sealing or writing), with a push on the wire, or
      // with the hub's answer arrived but not yet recorded (the hub has committed).
      const stats = { midCreate: 0, inPush: 0, answerNotRecorded: 0 };
      for (let round = 0; round < KILLS; round += 1) {
        const [lo, hi] = KILL_AFTER_READY_MS;
        const killAfter = lo + Math.floor(random() * (hi - lo + 1));
        const current: Child = next;
        current.go(killAfter);
        next = startChild(kioskDir, hub.url, round === KILLS - 1 ? 'drain' : 'work');
        const run = await current.result;
        const at = `round ${round}, killed ${killAfter} ms after ready`;
        expect(run.ready, why(`${at}: the child never got ready: ${run.code} ${run.stderr}`)).toBe(true);
        expect(run.signal, why(`${at}: the child ended on its own: ${run.code} ${run.stderr}`)).toBe('SIGKILL');

        let creating = false;
        let push: 'none' | 'sent' | 'answered' = 'none';
        for (const line of run.lines) {
          const [verb, id] = line.split(' ');
          if (verb === 'created') {
            expect(acknowledged.has(id!), why(`${at}: ${id} acknowledged twice`)).toBe(false);
            acknowledged.add(id!);
            creating = false;
          } else if (verb === 'creating') creating = true;
          else if (verb === 'push') push = 'sent';
          else if (verb === 'answer') push = 'answered';
          else if (verb === 'accepted') push = 'none';
          else if (verb !== 'ready') throw new Error(why(`${at}: unexpected line from the child: ${line}`));
        }
        if (creating) stats.midCreate += 1;
        if (push === 'sent') stats.inPush += 1;
        if (push === 'answered') stats.answerNotRecorded += 1;
      }

      next.go();
      const last = await next.result;
      expect(last.code, why(`the draining child failed: ${last.stderr}`)).toBe(0);

      const store = openStore(dbPath);
      try {
        expect(store.integrityFailure, why('integrity')).toBeNull();
        const { db } = store;
        expect(db.pragma('quick_check', { simple: true }), why('quick_check')).toBe('ok');
        expect(db.pragma('foreign_key_check'), why('foreign_key_check')).toEqual([]);
        const local = db
          .prepare('SELECT id, state, protocol_number, sealed IS NOT NULL AS sealed FROM submissions')
          .all() as Array<{
          id: string;
          state: string;
          protocol_number: string | null;
          sealed: number;
        }>;
        const outbox = db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number };
        expect(outbox.n, why('rows left in the outbox')).toBe(0);

        const remote = await hub.admin.listRequests();
        const count = new Map<string, number>();
        for (const r of remote) count.set(r.id, (count.get(r.id) ?? 0) + 1);
        const duplicated = [...count].filter(([, n]) => n > 1);
        expect(duplicated, why('requests stored twice at the hub')).toEqual([]);

        const localIds = new Set(local.map((r) => r.id));
        const unknown = remote.filter((r) => !localIds.has(r.id)).map((r) => r.id);
        expect(unknown, why('requests at the hub the kiosk does not have')).toEqual([]);
        const lost = [...acknowledged].filter((id) => !localIds.has(id));
        expect(lost, why('acknowledged requests missing from the store')).toEqual([]);

        const byId = new Map(remote.map((r) => [r.id, r]));
        const wrong = local.filter(
          (r) =>
            r.state !== 'accepted' ||
            r.sealed !== 0 ||
            r.protocol_number === null ||
            byId.get(r.id)?.protocolNumber !== r.protocol_number,
        );
        expect(
          wrong.slice(0, 5).map((r) => ({ ...r, hub: byId.get(r.id)?.protocolNumber ?? null })),
          why(`${wrong.length} requests not accepted with the hub's number`),
        ).toEqual([]);

        const seqs = remote.map((r) => Number(r.protocolNumber?.split('-')[2])).sort((a, b) => a - b);
        expect(
          seqs.every((n, i) => n === i + 1),
          why('protocol numbers with gaps or repeats'),
        ).toBe(true);

        expect(acknowledged.size, why('too few requests acknowledged')).toBeGreaterThanOrEqual(30);
        // The kills must have landed where it hurts, not only between requests.
        const where = why(`kills landed ${JSON.stringify(stats)}`);
        expect(stats.midCreate, where).toBeGreaterThanOrEqual(10);
        expect(stats.inPush + stats.answerNotRecorded, where).toBeGreaterThanOrEqual(10);
      } finally {
        closeStore(store);
      }
    } finally {
      next?.kill(); // the one waiting for its go, when a round failed
      await hub?.close();
      await schema?.drop();
    }
  }, 110_000);
});
