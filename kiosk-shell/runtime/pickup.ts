/**
 * Ritiro documenti on the kiosk: tell whether a document waits for a receipt,
 * open it with the resident's pickup secret and card, print it, record it.
 *
 * What the kiosk holds is an envelope it cannot open (sync/crypto/pickup): the
 * secret is in the resident's receipt only. At pickup the secret arrives from
 * the QR (or the typed pickup code, ./pickup-code), the document is opened in
 * memory, the card's codice fiscale is compared with the applicant's, and the
 * document is printed. The collection is recorded, and the envelope deleted,
 * only after the printer said it printed: a resident whose paper ran out still
 * has the document waiting here. Neither the secret, nor the document, nor the
 * codice fiscale ever reaches the store or a log line.
 *
 * Wrong codes and wrong cards are counted in the store (scope and instant only,
 * so a restart does not reset them) and rate-limited per kiosk and per request.
 */
import type { Database } from 'better-sqlite3';
import { openPickup } from '../../sync/crypto/pickup';
import { CryptoError } from '../../sync/crypto/errors';
import { PickupContentSchema } from '../../sync/protocol';
import type { PickupContent } from '../../sync/protocol';
import {
  clearPickupFailures,
  markCollected,
  pickupFailuresSince,
  pickupForSubmission,
  purgePickups,
  readEnvelope,
  recordPickupFailure,
} from '../../sync/store/pickup-documents';
import { formatReceiptCode } from '../../sync/store/receipt';
import { findByReceiptCode, flushPurged } from '../../sync/store/submissions';
import type { Identity, PickupCollectInput, PickupCollected, PickupKey, PickupLookup } from '../api/contract';
import type { DeviceManager } from './devices';
import { ApiFailure } from './dispatch';
import type { Logger } from './log';
import { secretOfPickupCode } from './pickup-code';
import { buildDocumentReceipt, documentReceiptText } from './receipts';

export type RateLimitPolicy = {
  /** Wrong attempts at this kiosk, any request, within `kioskWindowMs`, before it refuses every pickup. */
  kioskMaxFailures: number;
  kioskWindowMs: number;
  /** Wrong attempts for one request within `requestWindowMs` before that request is locked. */
  requestMaxFailures: number;
  requestWindowMs: number;
};

/**
 * 10 wrong attempts in 10 minutes stop the kiosk's pickups until the oldest of
 * them is 10 minutes old; 5 in an hour lock one request for the rest of the
 * hour. A resident who mistypes twice is never stopped; someone trying codes is.
 */
export const DEFAULT_RATE_LIMIT: RateLimitPolicy = {
  kioskMaxFailures: 10,
  kioskWindowMs: 10 * 60_000,
  requestMaxFailures: 5,
  requestWindowMs: 60 * 60_000,
};

/** How often the runtime deletes the envelopes of expired documents. */
export const PICKUP_PURGE_EVERY_MS = 60 * 60_000;

const KIOSK_SCOPE = 'kiosk';

export type PickupService = {
  find(receiptCode: string): PickupLookup;
  collect(input: PickupCollectInput): Promise<PickupCollected>;
  /** Deletes the envelopes of expired documents (and old tombstones and counters). */
  purge(): { expired: number; deleted: number };
};

export type PickupServiceOptions = {
  db: Database;
  devices: DeviceManager;
  comune: string;
  now: () => Date;
  log: Logger;
  /** A collection was recorded: report it to the hub soon. */
  onCollected: () => void;
  rateLimit?: RateLimitPolicy;
};

function secretOf(key: PickupKey): string | null {
  return key.kind === 'scanned' ? key.pickupSecret : secretOfPickupCode(key.pickupCode);
}

function sameHolder(content: PickupContent, identity: Identity): boolean {
  // A request made without a codice fiscale (a passport's MRZ) leaves the secret as the only proof.
  return content.codiceFiscale === null || identity.codiceFiscale === content.codiceFiscale;
}

export function createPickupService(opts: PickupServiceOptions): PickupService {
  const { db, devices, now } = opts;
  const log = opts.log.child({ module: 'pickup' });
  const policy = opts.rateLimit ?? DEFAULT_RATE_LIMIT;
  const printing = new Set<string>();

  /** When the pickups of this request (or of the whole kiosk) may be tried again; null when they may now. */
  function lockedUntil(submissionId: string, at: Date): Date | null {
    const limit = (scope: string, max: number, windowMs: number): number | null => {
      const recent = pickupFailuresSince(db, scope, new Date(at.getTime() - windowMs));
      const oldestCounted = recent[max - 1];
      return oldestCounted === undefined ? null : oldestCounted.getTime() + windowMs;
    };
    const until = [
      limit(KIOSK_SCOPE, policy.kioskMaxFailures, policy.kioskWindowMs),
      limit(submissionId, policy.requestMaxFailures, policy.requestWindowMs),
    ].filter((t): t is number => t !== null && t > at.getTime());
    return until.length === 0 ? null : new Date(Math.max(...until));
  }

  function refuse(submissionId: string, code: 'PICKUP_WRONG_CODE' | 'PICKUP_WRONG_CARD', at: Date): never {
    recordPickupFailure(db, [KIOSK_SCOPE, submissionId], at);
    log.warn({ event: 'pickup.refused', submissionId, code }, 'pickup refused');
    throw new ApiFailure(code, code === 'PICKUP_WRONG_CODE' ? 'the code does not open it' : 'not the same card');
  }

  return {
    find(receiptCode) {
      const at = now();
      const request = findByReceiptCode(db, receiptCode);
      if (request === null) return { status: 'unknown' };
      const doc = pickupForSubmission(db, request.id, at);
      if (doc === null) return { status: 'notReady' };
      switch (doc.state) {
        case 'collected':
          return { status: 'collected', collectedAt: (doc.collectedAt ?? at).toISOString() };
        case 'expired':
          return { status: 'expired', expiredAt: doc.expiresAt.toISOString() };
        case 'ready': {
          const until = lockedUntil(request.id, at);
          if (until !== null) return { status: 'locked', until: until.toISOString() };
          return {
            status: 'ready',
            receiptCode: formatReceiptCode(request.receiptCode),
            title: { it: doc.title.it ?? '', ...doc.title },
            issuedAt: doc.issuedAt.toISOString(),
            expiresAt: doc.expiresAt.toISOString(),
          };
        }
        default:
          return unreachable(doc.state);
      }
    },

    async collect({ receiptCode, key, identity }) {
      const at = now();
      const request = findByReceiptCode(db, receiptCode);
      const doc = request && pickupForSubmission(db, request.id, at);
      if (!request || doc?.state !== 'ready') throw new ApiFailure('NOT_FOUND', 'no document waits for this code');
      const until = lockedUntil(request.id, at);
      if (until !== null) throw new ApiFailure('RATE_LIMITED', `too many wrong attempts until ${until.toISOString()}`);
      if (printing.has(doc.id)) throw new ApiFailure('SERVICE_UNAVAILABLE', 'this document is being printed');
      const envelope = readEnvelope(db, doc.id, at);
      if (envelope === null) throw new ApiFailure('NOT_FOUND', 'no document waits for this code');

      const secret = secretOf(key);
      if (secret === null) return refuse(request.id, 'PICKUP_WRONG_CODE', at);
      let plaintext: Uint8Array;
      try {
        plaintext = openPickup(secret, doc.id, envelope);
      } catch (err) {
        if (err instanceof CryptoError) return refuse(request.id, 'PICKUP_WRONG_CODE', at);
        throw err;
      }
      let content: PickupContent;
      try {
        const parsed = PickupContentSchema.safeParse(JSON.parse(new TextDecoder().decode(plaintext)));
        if (!parsed.success) throw new Error('not a pickup document');
        content = parsed.data;
      } catch {
        // It opened, so the hub made it: a broken document is the hub's bug, not the resident's.
        log.error({ event: 'pickup.contentInvalid', documentId: doc.id }, 'pickup document content is invalid');
        throw new ApiFailure('SERVICE_UNAVAILABLE', 'the document cannot be printed');
      } finally {
        plaintext.fill(0);
      }
      if (!sameHolder(content, identity)) return refuse(request.id, 'PICKUP_WRONG_CARD', at);

      printing.add(doc.id);
      try {
        const receipt = buildDocumentReceipt(content, {
          comune: opts.comune,
          receiptCode: formatReceiptCode(request.receiptCode),
        });
        const print = await devices.printReceipt(receipt, 'document');
        if (print.printed) {
          // Printed first, recorded after: a document that did not come out still waits here.
          if (markCollected(db, doc.id, now())) {
            clearPickupFailures(db, request.id);
            flushPurged(db);
            log.info({ event: 'pickup.collected', documentId: doc.id, submissionId: request.id }, 'document collected');
            opts.onCollected();
          }
        } else {
          log.warn({ event: 'pickup.notPrinted', documentId: doc.id, problem: print.problem }, 'document not printed');
        }
        // The document's text goes back for speech output (a blind resident hears it); never logged.
        const text = documentReceiptText(receipt, content, formatReceiptCode(request.receiptCode));
        return { print: { ...print, receipt: text }, title: content.title, verificationCode: content.verificationCode };
      } finally {
        printing.delete(doc.id);
      }
    },

    purge() {
      const result = purgePickups(db, now());
      if (result.expired > 0 || result.deleted > 0) {
        flushPurged(db);
        log.info({ event: 'pickup.purged', ...result }, 'expired pickup documents deleted');
      }
      return result;
    },
  };
}

function unreachable(value: never): never {
  throw new Error(`unexpected pickup state ${String(value)}`);
}
