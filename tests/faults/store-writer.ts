/**
 * The child process of store-kill.test.ts: works the kiosk store the way the
 * runtime does (boot recovery, create, push outcomes) in a tight loop until it
 * is killed. A line goes to stdout only after the call it reports returned,
 * with a synchronous write(2), so a line the parent read is a promise the
 * store made:
 *
 *   ready                      store open, in-flight requests recovered
 *   created <id>               createSubmission returned
 *   accepted <id> <protocol>   markAccepted returned
 *
 * Usage: node store-writer.cjs <database path>
 */
import { randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { openStore } from '../../sync/store/db';
import {
  claimBatch,
  createSubmission,
  markAccepted,
  recoverInFlight,
  releaseForRetry,
} from '../../sync/store/submissions';

const path = process.argv[2];
if (path === undefined) {
  writeSync(2, 'usage: store-writer <database path>\n');
  process.exit(2);
}
const say = (line: string) => writeSync(1, `${line}\n`);

const store = openStore(path);
if (store.integrityFailure !== null) {
  writeSync(2, `integrity failure: ${store.integrityFailure.detail}\n`);
  process.exit(3);
}
const { db } = store;
recoverInFlight(db);
say('ready');

for (let i = 0; ; i += 1) {
  const { id } = createSubmission(db, {
    kind: 'certificate',
    service: 'anpr.residenza',
    locale: 'it',
    publicFields: { n: i },
    sealed: randomBytes(1024),
    now: new Date(),
  });
  say(`created ${id}`);

  if (i % 3 === 2) {
    // A push: half the batch is accepted by the hub, the rest fails and goes back to the queue.
    const batch = claimBatch(db, { max: 4, now: new Date() });
    batch.forEach((item, k) => {
      if (k % 2 === 0) {
        const protocolNumber = `P-${item.id.slice(-12)}`;
        markAccepted(db, item.id, { protocolNumber, acceptedAt: new Date() });
        say(`accepted ${item.id} ${protocolNumber}`);
      } else {
        releaseForRetry(db, [item.id], { nextAttemptAt: new Date(), error: 'HUB_UNREACHABLE' });
      }
    });
  }
}
