import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeStore, openStore } from '../../sync/store/db';
import { bundleChild, seeded } from './child';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KILLS = 100;
const KILL_AFTER_READY_MS: readonly [number, number] = [5, 60];
/** One round in this many is killed during boot (open, quick_check, migration, recovery) instead. */
const BOOT_KILL_EVERY = 5;

let dir = '';
let writer = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sportello-kill-'));
  writer = bundleChild(join(ROOT, 'tests', 'faults', 'store-writer.ts'), dir, 'store-writer.cjs');
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

type Round = { lines: string[]; signal: NodeJS.Signals | null; code: number | null; stderr: string; readyMs: number };

/** Starts the writer on `dbPath` and SIGKILLs it `killAt` ms after it is ready (or after spawn, for a boot kill). */
function runAndKill(dbPath: string, killAt: { from: 'ready' | 'spawn'; ms: number }): Promise<Round> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, [writer, dbPath], {
      env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    let readyMs = -1;
    const kill = () => child.kill('SIGKILL');
    const guard = setTimeout(kill, 10_000); // a writer that never gets ready must not hang the suite
    if (killAt.from === 'spawn') setTimeout(kill, killAt.ms);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (readyMs < 0 && (out + chunk).startsWith('ready\n')) {
        readyMs = performance.now() - started;
        if (killAt.from === 'ready') setTimeout(kill, killAt.ms);
      }
      out += chunk;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      done({ lines: out.split('\n').filter((l) => l !== ''), signal, code, stderr, readyMs });
    });
  });
}

type Row = { id: string; state: string; protocol_number: string | null; has_sealed: number; in_outbox: number };

describe('kill -9 of a process writing the kiosk store', () => {
  it(`loses nothing it acknowledged and leaves no half-written request, over ${KILLS} kills`, async () => {
    const seed = Number(process.env.STORE_KILL_SEED ?? Date.now() % 2 ** 31);
    const random = seeded(seed);
    const why = (round: number, what: string) => `seed ${seed}, round ${round}: ${what}`;
    const dbPath = join(dir, 'sportello.db');

    const created = new Set<string>();
    const accepted = new Map<string, string>();
    let killedWhileWorking = 0;
    let lastReadyMs = 100;

    for (let round = 0; round < KILLS; round += 1) {
      const bootKill = round % BOOT_KILL_EVERY === BOOT_KILL_EVERY - 1;
      const [lo, hi] = KILL_AFTER_READY_MS;
      const killAt = bootKill
        ? { from: 'spawn' as const, ms: Math.floor(random() * lastReadyMs) }
        : { from: 'ready' as const, ms: lo + Math.floor(random() * (hi - lo + 1)) };
      const result = await runAndKill(dbPath, killAt);

      expect(result.signal, why(round, `the writer ended on its own: code ${result.code} ${result.stderr}`)).toBe(
        'SIGKILL',
      );
      if (result.readyMs > 0) lastReadyMs = result.readyMs;
      let worked = false;
      for (const line of result.lines) {
        const [verb, id, protocol] = line.split(' ');
        if (verb === 'ready') continue;
        worked = true;
        if (verb === 'created') {
          expect(created.has(id!), why(round, `id ${id} acknowledged twice`)).toBe(false);
          created.add(id!);
        } else if (verb === 'accepted') {
          // Not necessarily among `created`: a request committed just before a kill, never
          // acknowledged, is still a request, and a later round may deliver it.
          accepted.set(id!, protocol!);
        } else {
          throw new Error(why(round, `unexpected line from the writer: ${line}`));
        }
      }
      if (worked) killedWhileWorking += 1;

      // Reopen as the runtime would at boot, then check every promise and invariant.
      const store = openStore(dbPath);
      try {
        expect(store.integrityFailure, why(round, 'the store failed its integrity check')).toBeNull();
        const { db } = store;
        expect(db.pragma('quick_check', { simple: true }), why(round, 'quick_check')).toBe('ok');
        expect(db.pragma('foreign_key_check'), why(round, 'an outbox row without its submission')).toEqual([]);
        const rows = db
          .prepare(
            `SELECT s.id, s.state, s.protocol_number, s.sealed IS NOT NULL AS has_sealed,
                    (SELECT COUNT(*) FROM outbox o WHERE o.submission_id = s.id) AS in_outbox
             FROM submissions s`,
          )
          .all() as Row[];
        const byId = new Map(rows.map((r) => [r.id, r]));
        expect(byId.size, why(round, 'duplicate ids')).toBe(rows.length);

        for (const r of rows) {
          const pending = r.state === 'queued' || r.state === 'sending';
          expect(r.in_outbox, why(round, `${r.id} is ${r.state} with ${r.in_outbox} outbox rows`)).toBe(
            pending ? 1 : 0,
          );
          expect(r.has_sealed, why(round, `${r.id} is ${r.state}, sealed data present: ${r.has_sealed}`)).toBe(
            pending ? 1 : 0,
          );
        }
        for (const id of created) {
          expect(byId.has(id), why(round, `acknowledged ${id} is missing`)).toBe(true);
        }
        for (const [id, protocol] of accepted) {
          const r = byId.get(id);
          expect([r?.state, r?.protocol_number], why(round, `accepted ${id} lost its outcome`)).toEqual([
            'accepted',
            protocol,
          ]);
        }
      } finally {
        closeStore(store);
      }
    }

    expect(killedWhileWorking, `seed ${seed}: too few kills landed while the writer was working`).toBeGreaterThan(
      KILLS / 2,
    );
    expect(created.size).toBeGreaterThan(KILLS);
    expect(accepted.size).toBeGreaterThan(0);
  }, 120_000);
});
