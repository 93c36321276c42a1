/**
 * The child process of runtime-kill.test.ts: a kiosk runtime cut down to its
 * sync spine. It opens the store, starts the real sync client against the hub
 * (pinned at enrollment, beforehand, by the test), and — in `work` mode —
 * creates requests in a loop, each sealed to the pinned hub key, while the
 * client pushes them, until it is killed. In `drain` mode it only syncs until
 * nothing is queued, then exits.
 *
 * It loads, then waits for a line on stdin before it touches the store, so
 * the parent can start the next one while the previous one still runs.
 * A line goes to stdout only after what it reports happened, with a
 * synchronous write(2), so a line the parent read is a fact:
 *
 *   loaded              modules loaded, waiting for a line on stdin
 *   ready               store open, client started (in-flight sends recovered,
 *                       its first cycle begun)
 *   creating            a request is about to be sealed and written
 *   created <id>        createSubmission returned: the resident would be told
 *   push                a push request is about to go to the hub
 *   answer              the hub's answer to it arrived (not yet recorded)
 *   accepted <n>        the store counts n accepted requests
 *   drained <n>         (drain mode) nothing queued, n accepted
 *
 * Usage: node kiosk-runtime.cjs <data dir> <hub url> work|drain
 */
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from 'better-sqlite3';
import { createSyncClient, loadEnrollment } from '../../sync/client';
import type { FetchLike, SyncClient } from '../../sync/client';
import { loadOrCreateIdentity } from '../../sync/crypto/identity';
import { generateHubKeys, seal } from '../../sync/crypto/seal';
import { openStore } from '../../sync/store/db';
import { createSubmission, newSubmissionId, queueStats } from '../../sync/store/submissions';

const [dataDir, hubUrl, mode] = process.argv.slice(2);
if (dataDir === undefined || hubUrl === undefined || (mode !== 'work' && mode !== 'drain')) {
  writeSync(2, 'usage: kiosk-runtime <data dir> <hub url> work|drain\n');
  process.exit(2);
}
const say = (line: string) => writeSync(1, `${line}\n`);

const personal = new TextEncoder().encode(JSON.stringify({ codiceFiscale: 'RSSMRA80A01H501U', nome: 'Mario' }));

const marked: FetchLike = async (input, init) => {
  const push = new URL(input).pathname.endsWith('/v1/push');
  if (push) say('push');
  const response = await fetch(input, init);
  if (push) say('answer');
  return response;
};

type Runtime = { db: Database; client: SyncClient; hubEncryptionKey: string };

/** What the runtime does at boot: open the store, load the enrollment, start the sync client. */
function boot(dataDir: string, hubUrl: string): Runtime {
  const store = openStore(join(dataDir, 'sportello.db'));
  if (store.integrityFailure !== null) {
    writeSync(2, `integrity failure: ${store.integrityFailure.detail}\n`);
    process.exit(3);
  }
  const { db } = store;
  const pinned = loadEnrollment(db);
  if (pinned === null) {
    writeSync(2, 'not enrolled\n');
    process.exit(4);
  }
  const client = createSyncClient({
    db,
    hubUrl,
    identity: loadOrCreateIdentity(dataDir),
    pinned,
    fetch: marked,
    now: Date.now,
    random: Math.random,
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    heartbeat: () => ({ devices: [], appVersion: '0.1.0', uptimeS: Math.floor(process.uptime()) }),
    batchSize: 5,
    backoff: { baseMs: 5, capMs: 50 },
    pollIntervalMs: 50,
    heartbeatIntervalMs: 200,
    requestTimeoutMs: 5_000,
  });
  let accepted = -1;
  client.onStatus((status) => {
    if (status.queue.accepted !== accepted) say(`accepted ${(accepted = status.queue.accepted)}`);
  });
  client.start();
  say('ready');
  return { db, client, hubEncryptionKey: pinned.hubEncryptionKey };
}

/** Drain mode: sync until nothing is queued and the last cycle was good. */
async function drain({ db, client }: Runtime): Promise<never> {
  for (let i = 0; i < 50; i += 1) {
    const status = await client.syncNow();
    const q = queueStats(db, new Date());
    if (q.queued + q.sending === 0 && status.lastError === null) {
      say(`drained ${q.accepted}`);
      await client.stop();
      db.close();
      process.exit(0);
    }
    await sleep(20);
  }
  writeSync(2, `not drained: ${JSON.stringify(client.status())}\n`);
  process.exit(5);
}

/** Work mode: what the runtime does for each resident's request, back to back, until killed. */
async function work({ db, client, hubEncryptionKey }: Runtime): Promise<never> {
  for (let i = 0; ; i += 1) {
    say('creating');
    const now = new Date();
    const id = newSubmissionId(now);
    const sealed = await seal(hubEncryptionKey, personal, id);
    createSubmission(db, {
      id,
      kind: 'certificate',
      service: 'residenza',
      locale: 'it',
      publicFields: { n: i },
      sealed,
      now,
    });
    say(`created ${id}`);
    client.notifyQueued();
    await sleep(Math.floor(Math.random() * 2));
  }
}

async function main(dataDir: string, hubUrl: string, mode: 'work' | 'drain'): Promise<never> {
  // Loaded and warm (HPKE's first seal costs ~50 ms), the process waits for the parent's go:
  // the parent starts it while the previous one still runs, and says go once that one is dead.
  await seal(generateHubKeys().encryption.publicKey, personal, 'warm-up');
  say('loaded');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const runtime = boot(dataDir, hubUrl);
  return mode === 'drain' ? drain(runtime) : work(runtime);
}

main(dataDir, hubUrl, mode).catch((error: unknown) => {
  writeSync(2, `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
