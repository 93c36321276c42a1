import type { Database } from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { closeStore, openStore } from '../sync/store/db';
import { createSubmission } from '../sync/store/submissions';
import type { Figure } from './report';
import { median, percentile, round } from './report';
import type { BenchContext, FigureGroup } from './ui';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 5000;
const WARMUP = 200;
const SEALED_BYTES = 1024;

const FILESYSTEMS: Record<number, string> = {
  0xef53: 'ext4',
  0x01021994: 'tmpfs',
  0x9123683e: 'btrfs',
  0x58465342: 'xfs',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
  0x65735546: 'fuse',
};

const IDS = ['store.create-p50-ms', 'store.create-p99-ms', 'store.bare-commit-p99-ms', 'store.create-p99-ratio'];

/**
 * createSubmission against a bare insert+commit, interleaved in one process on
 * one database file so both see the same disk, the same WAL (and its
 * checkpoints) and the same moment of the machine. The file sits under the
 * repository's var/ — the disk `npm start` keeps its store on — not in /tmp,
 * which may be a tmpfs where an fsync costs nothing.
 */
export const storeFigures: FigureGroup = {
  ids: IDS,
  run(ctx) {
    mkdirSync(join(ROOT, 'var'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, 'var', 'bench-store-'));
    ctx.cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
    const store = openStore(join(dir, 'sportello.db'));
    try {
      // All synchronous: better-sqlite3 blocks, which is what a timed commit wants.
      return Promise.resolve(measure(ctx, store.db, dir));
    } finally {
      closeStore(store);
    }
  },
};

function measure(ctx: BenchContext, db: Database, dir: string): Figure[] {
  const fsType = FILESYSTEMS[statfsSync(dir).type] ?? `fs 0x${statfsSync(dir).type.toString(16)}`;

  // The baseline table lives beside the store's own, in the same file.
  db.exec('CREATE TABLE bench_bare (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT');
  const insertBare = db.prepare('INSERT INTO bench_bare (body) VALUES (?)');
  const bareCommit = db.transaction((body: string) => insertBare.run(body));
  const sealed = randomBytes(SEALED_BYTES); // stands for an HPKE ciphertext: incompressible
  const base = Date.now();

  const create = (i: number) => {
    const t = performance.now();
    createSubmission(db, {
      kind: 'certificate',
      service: 'anpr.residenza',
      locale: 'it',
      publicFields: { copies: 1, frazione: 'Colombiera', n: i },
      sealed,
      now: new Date(base + i),
    });
    return performance.now() - t;
  };
  const bare = (i: number) => {
    const t = performance.now();
    bareCommit.immediate(`bare-${i}`);
    return performance.now() - t;
  };

  for (let i = 0; i < WARMUP; i += 1) {
    create(i);
    bare(i);
  }
  const creates: number[] = [];
  const bares: number[] = [];
  for (let i = WARMUP; i < WARMUP + RUNS; i += 1) {
    // Alternate which goes first, so neither always follows the other's checkpoint.
    if (i % 2 === 0) {
      creates.push(create(i));
      bares.push(bare(i));
    } else {
      bares.push(bare(i));
      creates.push(create(i));
    }
  }

  const createP50 = percentile(creates, 50);
  const createP99 = percentile(creates, 99);
  const bareP99 = percentile(bares, 99);
  const ratio = createP99 / bareP99;
  const where = `${relative(ROOT, dir)}/sportello.db (${fsType}), WAL, synchronous=FULL, secure_delete=ON`;
  const fmt = (x: number) => x.toFixed(3);

  const figures: Figure[] = [];
  if (ctx.wants('store.create-p50-ms')) {
    figures.push({
      id: 'store.create-p50-ms',
      value: round(createP50, 3),
      unit: 'ms',
      target: 'none (see store.create-p99-ratio)',
      ok: true,
      runs: creates.length,
      note: `createSubmission (free-space check, UUIDv7, receipt code, submission + outbox row in one IMMEDIATE transaction, commit) with a ${SEALED_BYTES}-byte sealed blob; ${where}; ${WARMUP} warm-up runs not counted`,
    });
  }
  if (ctx.wants('store.create-p99-ms')) {
    figures.push({
      id: 'store.create-p99-ms',
      value: round(createP99, 3),
      unit: 'ms',
      target: '<= 2x store.bare-commit-p99-ms',
      ok: ratio <= 2,
      runs: creates.length,
      note: `as store.create-p50-ms; max ${fmt(Math.max(...creates))} ms`,
    });
  }
  if (ctx.wants('store.bare-commit-p99-ms')) {
    figures.push({
      id: 'store.bare-commit-p99-ms',
      value: round(bareP99, 3),
      unit: 'ms',
      target: 'none (baseline)',
      ok: true,
      runs: bares.length,
      note: `one-row INSERT (integer key + short text) and COMMIT in its own IMMEDIATE transaction, same file and connection, interleaved with the creates; p50 ${fmt(median(bares))} ms, max ${fmt(Math.max(...bares))} ms`,
    });
  }
  if (ctx.wants('store.create-p99-ratio')) {
    figures.push({
      id: 'store.create-p99-ratio',
      value: round(ratio, 2),
      unit: 'x',
      target: '<= 2',
      ok: ratio <= 2,
      runs: creates.length,
      note: `store.create-p99-ms / store.bare-commit-p99-ms (${fmt(createP99)} / ${fmt(bareP99)} ms), same run; p50 ratio ${(createP50 / median(bares)).toFixed(2)}`,
    });
  }
  return figures;
}
