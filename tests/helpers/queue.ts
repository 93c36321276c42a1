/**
 * Requests in the kiosk's queue, written as the runtime writes them once a
 * resident confirms: content already sealed to the hub's key, then the
 * submission and its outbox row in one store transaction.
 */
import type { Database } from 'better-sqlite3';
import { createSubmission } from '../../sync/store/submissions';

/** Queues a certificate request (`service`, residenza by default) whose personal data is `sealed`. */
export function queueSealedCertificate(
  db: Database,
  id: string,
  sealed: Uint8Array,
  { now = new Date(), service = 'residenza' }: { now?: Date; service?: string } = {},
): void {
  createSubmission(db, {
    id,
    kind: 'certificate',
    service,
    locale: 'it',
    publicFields: { copies: 1 },
    sealed,
    now,
  });
}
