/**
 * The kiosk's sync client (issue 4, item 2): delivers the outbox to the hub,
 * pulls what the hub has for this kiosk, and reports how the kiosk is.
 *
 * One cycle = push until the outbox has nothing due → pull until `hasMore` is
 * false → heartbeat when one is due. Cycles never overlap. A refusal by the
 * hub of one step does not skip the next (a held queue still pulls and still
 * reports); no answer at all, or none signed by the pinned key, ends the cycle. After a cycle the
 * client sleeps until the next poll; after a failure it HOLDS the whole queue
 * and retries the whole cycle after a capped exponential backoff with full
 * jitter (./backoff), or at once when told connectivity is back.
 *
 * Push outcomes (sync/protocol/push):
 * - per-item `accepted` → markAccepted (protocol number kept, sealed data
 *   purged); per-item `rejected` → markRejected; the queue goes on.
 * - the whole batch refused as invalid (400 INVALID_REQUEST, 413) → the items
 *   are resent one by one; the one refused alone is rejected with that code.
 * - anything else (no answer, timeout, 5xx, 429, an answer not signed by the
 *   pinned key, a signature refusal, a revoked or unknown kiosk) is not the
 *   items' fault: the batch goes back to queued (releaseForRetry) and the
 *   queue is held. A revoked kiosk therefore keeps its requests queued until
 *   it is enrolled again; they are never lost and never rejected for it.
 *
 * Decisions:
 * - Released items are due again at once in the store (`nextAttemptAt` = the
 *   failure time): the client alone decides when to retry, so a connectivity
 *   change or a restart can try immediately. `status().nextAttemptAt` tells
 *   when the held queue will be retried.
 * - STALE_TIMESTAMP corrects the signing clock from the answer's `Date` and
 *   retries once at once; REPLAYED_NONCE retries once with a fresh nonce.
 *   Every heartbeat answer also corrects the signing clock (`serverTime`).
 * - The pull cursor is saved in the same transaction that applied its page,
 *   documents for pickup included (sync/store/pickup-documents).
 * - Collections of pickup documents are reported (POST /v1/collect) after the
 *   pushes, in batches, until none is left; a failure holds like a push's.
 * - The technician audit log goes next (POST /v1/audit): rows not yet marked
 *   pushed, oldest first, in batches; a row is marked pushed only for an id
 *   the hub's answer names, so a lost answer resends it and the hub keeps it once.
 * - Each pull replaces the list of revoked technician cards (`revokedCards`)
 *   the kiosk checks scanned cards against.
 *
 * Logs carry ids, codes and counts; never sealed bytes or anything typed.
 */
import type { Database } from 'better-sqlite3';
import type { z } from 'zod';
import { createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { fromBase64url, toBase64url } from '../crypto/base64url';
import { decodeEd25519PublicKey } from '../crypto/keys';
import type { RequestSigner } from '../crypto/sign';
import { CodeSchema } from '../protocol/common';
import { ENDPOINTS } from '../protocol/endpoints';
import { ERROR_CODES } from '../protocol/errors';
import type { ErrorCode } from '../protocol/errors';
import { HeartbeatRequestSchema } from '../protocol/heartbeat';
import type { DeviceState, HeartbeatRequest } from '../protocol/heartbeat';
import { MAX_BATCH } from '../protocol/limits';
import { CATALOG_NAMES, CursorSchema } from '../protocol/pull';
import type { PullResponse, StatusChange } from '../protocol/pull';
import { PushItemSchema } from '../protocol/push';
import type { PushItem, PushItemResult } from '../protocol/push';
import type { CollectItemResult } from '../protocol/collect';
import { cacheVersions, putCache } from '../store/hub-cache';
import { markAuditPushed, unpushedAudit } from '../store/technician';
import type { AuditEntry } from '../store/technician';
import { AuditItemSchema } from '../protocol/audit';
import type { AuditItem } from '../protocol/audit';
import { StoreError } from '../store/migrations';
import { markReported, putPickupDocuments, unreportedCollections } from '../store/pickup-documents';
import type { NewPickupDocument } from '../store/pickup-documents';
import {
  claimBatch,
  flushPurged,
  getSubmission,
  markAccepted,
  markRejected,
  queueStats,
  recoverInFlight,
  releaseForRetry,
} from '../store/submissions';
import type { OutboxItem } from '../store/submissions';
import { getPullCursor, readSyncState, recordPull, recordPush } from '../store/sync-state';
import { DEFAULT_BACKOFF, backoffDelay } from './backoff';
import type { BackoffPolicy } from './backoff';
import type { Enrollment } from './enrollment';
import { SyncError, isBatchRefusal } from './errors';
import type { SyncErrorCode } from './errors';
import { DEFAULT_REQUEST_TIMEOUT_MS, exchange, interpret } from './http';
import type { FetchLike, TimerHandle, Transport } from './http';
import { silentLogger } from './log';
import type { SyncLogger } from './log';
import { applyStatusChanges as defaultApplyStatusChanges } from './status-changes';

/** What the runtime knows and the client does not, for each heartbeat. */
export type HeartbeatPayload = {
  devices: DeviceState[];
  /** The kiosk software version (semver). */
  appVersion: string;
  /** Seconds since the runtime started. */
  uptimeS: number;
  /** Passed through to the hub as they are (see HeartbeatRequest). */
  paper?: HeartbeatRequest['paper'];
  lastError?: HeartbeatRequest['lastError'];
  outOfService?: HeartbeatRequest['outOfService'];
};

/** The sync status, as the runtime pushes it to the UI (`sync.status`); JSON-safe. */
export type SyncStatus = {
  /** The last call got an answer signed by the pinned hub key (whatever it said). */
  online: boolean;
  /** ISO instants of the last answered push and the last applied pull (persisted in the store). */
  lastPushAt: string | null;
  lastPullAt: string | null;
  lastHeartbeatAt: string | null;
  /** Code of the failure holding the queue; null after a good cycle. */
  lastError: SyncErrorCode | null;
  queue: {
    queued: number;
    sending: number;
    accepted: number;
    rejected: number;
    /** When the oldest request not yet acknowledged was queued (ISO); null when none is. */
    oldestQueuedAt: string | null;
  };
  /** When the held queue will be retried (ISO); null when nothing is held. */
  nextAttemptAt: string | null;
};

export type SyncClientOptions = {
  /** The kiosk store (sync/store `openStore(...).db`). */
  db: Database;
  hubUrl: string;
  /** The kiosk identity (sync/crypto/identity), which signs every request. */
  identity: RequestSigner;
  /** The enrollment pinned in the store (./enrollment `loadEnrollment`). */
  pinned: Pick<Enrollment, 'kioskId' | 'frazione' | 'hubSigningKey'>;
  fetch?: FetchLike;
  /** Wall clock, epoch ms. */
  now: () => number;
  /** Uniform in [0, 1): the backoff's jitter. */
  random: () => number;
  setTimer: (fn: () => void, ms: number) => TimerHandle;
  clearTimer: (handle: TimerHandle) => void;
  log?: SyncLogger;
  heartbeat: () => HeartbeatPayload;
  /** Items per push, 1…MAX_BATCH. */
  batchSize: number;
  backoff?: BackoffPolicy;
  /** Sleep between good cycles (default 30 s): how soon a pull sees the hub's news. */
  pollIntervalMs?: number;
  heartbeatIntervalMs?: number;
  requestTimeoutMs?: number;
  /** Nonce bytes for request signatures; node:crypto when absent. */
  randomBytes?: (size: number) => Uint8Array;
  /** Stores pulled status changes inside the pull's transaction (default ./status-changes). */
  applyStatusChanges?: (db: Database, changes: readonly StatusChange[], now: Date) => unknown;
};

export type SyncClient = {
  /** Puts interrupted sends back in the queue and starts syncing now. */
  start(): void;
  /** Stops the schedule, aborts the call in flight (its batch goes back to queued) and waits for it. */
  stop(): Promise<void>;
  /** Runs a cycle now, even while the queue is held; resolves with the status after it. */
  syncNow(): Promise<SyncStatus>;
  /** A submission was just queued: push it now unless the queue is held. */
  notifyQueued(): void;
  /** The runtime saw the network go up or down; up ends the hold and tries at once. */
  connectivityChanged(online: boolean): void;
  status(): SyncStatus;
  /** Calls `listener` whenever the status changes; returns the unsubscribe. */
  onStatus(listener: (status: SyncStatus) => void): () => void;
  /** Resolves when no cycle is running. */
  idle(): Promise<void>;
};

export const DEFAULT_POLL_INTERVAL_MS = 30_000;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 60_000;
/** A hub's Retry-After is honoured up to this; beyond, it is a misconfiguration, not a plan. */
const MAX_RETRY_AFTER_MS = 60 * 60_000;
/** Pull pages per cycle; more waits for the next cycle, which then comes at once. */
const MAX_PULL_PAGES = 100;
/** Code kept on an item the kiosk itself finds unsendable (fails the push schema). */
export const LOCAL_REJECTION_CODE = 'INVALID_ITEM';

const PROTOCOL_CODES: ReadonlySet<string> = new Set<string>(ERROR_CODES);
const isProtocolCode = (code: string): code is ErrorCode => PROTOCOL_CODES.has(code);

type Pending = 'none' | 'soft' | 'forced';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Makes the sync client; nothing happens until `start()` (or `syncNow()`). */
export function createSyncClient(options: SyncClientOptions): SyncClient {
  const { db, pinned, now, random } = options;
  const log = options.log ?? silentLogger;
  const policy = options.backoff ?? DEFAULT_BACKOFF;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  const applyStatusChanges = options.applyStatusChanges ?? defaultApplyStatusChanges;
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > MAX_BATCH) {
    throw new RangeError(`batchSize must be an integer in 1…${MAX_BATCH}`);
  }
  if (!CodeSchema.safeParse(pinned.frazione.code).success) throw new RangeError('pinned frazione code is invalid');
  const hubKey: KeyObject = decodeEd25519PublicKey(pinned.hubSigningKey);

  // The hub's clock minus ours: request timestamps must fall inside its window.
  let clockOffsetMs = 0;
  const transport: Transport = {
    hubUrl: options.hubUrl,
    identity: options.identity,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    now: () => now() + clockOffsetMs,
    timers: { setTimer: options.setTimer, clearTimer: options.clearTimer },
    timeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    ...(options.randomBytes ? { randomBytes: options.randomBytes } : {}),
  };

  let started = false;
  let stopped = false;
  const stopping = new AbortController();
  let running: Promise<void> | null = null;
  let pending: Pending = 'none';
  let waiters: Array<() => void> = [];
  // Boxed: a TimerHandle may be any value, null included.
  let timer: { handle: TimerHandle } | null = null;
  let failures = 0;
  let heldUntil: number | null = null;
  let online = false;
  let lastError: SyncErrorCode | null = null;
  let lastHeartbeatAt: number | null = null;
  let morePull = false;
  const listeners = new Set<(status: SyncStatus) => void>();
  let lastEmitted = '';

  // ---- calls --------------------------------------------------------------

  async function call<E extends 'push' | 'pull' | 'heartbeat' | 'collect' | 'audit'>(
    name: E,
    path: string,
    body?: string,
  ): Promise<z.infer<(typeof ENDPOINTS)[E]['response']>> {
    const endpoint = ENDPOINTS[name];
    for (let attempt = 0; ; attempt += 1) {
      try {
        const answer = await exchange(transport, {
          method: endpoint.method,
          path,
          ...(body !== undefined ? { body } : {}),
          signal: stopping.signal,
        });
        const value = interpret(answer, hubKey, endpoint.response, now);
        online = true;
        return value as z.infer<(typeof ENDPOINTS)[E]['response']>;
      } catch (error) {
        if (!(error instanceof SyncError)) throw error;
        if (error.code !== 'STOPPED') online = isProtocolCode(error.code);
        if (attempt === 0 && error.code === 'STALE_TIMESTAMP' && error.details.serverTimeMs !== undefined) {
          clockOffsetMs = error.details.serverTimeMs - now();
          log.warn({ event: 'sync.clockCorrected', offsetMs: clockOffsetMs }, 'request clock corrected from the hub');
          continue;
        }
        if (attempt === 0 && error.code === 'REPLAYED_NONCE') continue;
        throw error;
      }
    }
  }

  // ---- push ---------------------------------------------------------------

  function toWire(item: OutboxItem): unknown {
    return {
      id: item.id,
      kind: item.kind,
      service: item.service,
      locale: item.locale,
      frazione: pinned.frazione.code,
      createdAt: item.createdAt.toISOString(),
      sealed: toBase64url(item.sealed),
    };
  }

  function codeOf(error: unknown): SyncErrorCode {
    return error instanceof SyncError ? error.code : 'CLIENT_FAILURE';
  }

  /** Puts back in the queue those of `ids` still being sent (the others reached a final state). */
  function release(ids: readonly string[], error: unknown): void {
    try {
      const sending = ids.filter((id) => getSubmission(db, id)?.state === 'sending');
      if (sending.length === 0) return;
      releaseForRetry(db, sending, { nextAttemptAt: new Date(now()), error: codeOf(error) });
      log.debug({ event: 'push.released', count: sending.length, code: codeOf(error) }, 'batch back in the queue');
    } catch (failure) {
      // recoverInFlight at the next start puts them back; the first error is the one to report.
      log.error(
        { event: 'push.releaseFailed', err: failure instanceof Error ? failure.message : String(failure) },
        'could not release the batch',
      );
    }
  }

  function reject(id: string, code: string, reason: string): void {
    markRejected(db, id, { code, reason: reason.slice(0, 500), rejectedAt: new Date(now()) });
    log.warn({ event: 'push.rejected', submissionId: id, code }, 'submission rejected');
  }

  function applyResults(items: readonly PushItem[], results: readonly PushItemResult[]): number {
    const byId = new Map(results.map((r) => [r.id, r]));
    if (byId.size !== results.length || results.length !== items.length || items.some((i) => !byId.has(i.id))) {
      throw new SyncError('BAD_RESPONSE', 'push answer does not carry exactly one result per item');
    }
    const at = new Date(now());
    let accepted = 0;
    db.transaction(() => {
      for (const item of items) {
        const result = byId.get(item.id) as PushItemResult;
        try {
          if (result.status === 'accepted') {
            markAccepted(db, item.id, {
              protocolNumber: result.protocolNumber,
              acceptedAt: new Date(result.acceptedAt),
            });
            accepted += 1;
          } else {
            markRejected(db, item.id, { code: result.code, reason: result.reason, rejectedAt: at });
            log.warn({ event: 'push.rejected', submissionId: item.id, code: result.code }, 'submission rejected');
          }
        } catch (error) {
          // Already final with another outcome: keep the first, tell a technician.
          if (!(error instanceof StoreError) || !['CONFLICTING_OUTCOME', 'INVALID_TRANSITION'].includes(error.code)) {
            throw error;
          }
          log.error({ event: 'push.outcomeConflict', submissionId: item.id, code: error.code }, error.message);
        }
      }
      recordPush(db, at);
    }).immediate();
    return accepted;
  }

  async function pushItems(items: readonly PushItem[]): Promise<number> {
    const body = JSON.stringify({ items });
    const response = await call('push', ENDPOINTS.push.path, body);
    return applyResults(items, response.results);
  }

  /** Pushes one claimed batch; throws when the queue must hold (the caller releases what is left). */
  async function pushClaimed(claimed: readonly OutboxItem[]): Promise<number> {
    const items: PushItem[] = [];
    for (const item of claimed) {
      const parsed = PushItemSchema.safeParse(toWire(item));
      if (parsed.success) {
        items.push(parsed.data);
      } else {
        // It could never be accepted: sending it would only stall the batch.
        const where = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ');
        reject(item.id, LOCAL_REJECTION_CODE, `not a valid push item (${where})`);
      }
    }
    if (items.length === 0) return 0;
    try {
      return await pushItems(items);
    } catch (error) {
      if (!isBatchRefusal(error)) throw error;
      if (items.length === 1) {
        reject((items[0] as PushItem).id, error.code, error.message);
        return 0;
      }
      log.warn({ event: 'push.isolating', count: items.length, code: error.code }, 'batch refused, sending one by one');
    }
    let accepted = 0;
    for (const item of items) {
      try {
        accepted += await pushItems([item]);
      } catch (error) {
        if (!isBatchRefusal(error)) throw error;
        reject(item.id, error.code, error.message);
      }
    }
    return accepted;
  }

  async function pushAll(): Promise<void> {
    let accepted = 0;
    try {
      for (;;) {
        if (stopped) throw new SyncError('STOPPED', 'the sync client was stopped');
        const batch = claimBatch(db, { max: options.batchSize, now: new Date(now()) });
        if (batch.length === 0) return;
        let n: number;
        try {
          n = await pushClaimed(batch);
        } catch (error) {
          release(
            batch.map((i) => i.id),
            error,
          );
          throw error;
        }
        accepted += n;
        log.debug({ event: 'push.batch', count: batch.length, accepted: n }, 'batch pushed');
        refreshStatus();
      }
    } finally {
      // The purged rows' old pages leave the WAL (sync/store `flushPurged`).
      if (accepted > 0 && !flushPurged(db)) log.debug({ event: 'push.flushBusy' }, 'WAL checkpoint deferred');
    }
  }

  // ---- collections of pickup documents ------------------------------------

  /** Reports every collection the hub has not acknowledged yet; `unknown` ones are not retried either. */
  async function collectAll(): Promise<void> {
    for (;;) {
      if (stopped) throw new SyncError('STOPPED', 'the sync client was stopped');
      const batch = unreportedCollections(db, MAX_BATCH);
      if (batch.length === 0) return;
      const items = batch.map((c) => ({ documentId: c.documentId, collectedAt: c.collectedAt.toISOString() }));
      const response = await call('collect', ENDPOINTS.collect.path, JSON.stringify({ items }));
      const byId = new Map(response.results.map((r: CollectItemResult) => [r.documentId, r]));
      if (byId.size !== items.length || items.some((i) => !byId.has(i.documentId))) {
        throw new SyncError('BAD_RESPONSE', 'collect answer does not carry exactly one result per item');
      }
      const unknown = response.results.filter((r) => r.status === 'unknown').map((r) => r.documentId);
      for (const documentId of unknown) {
        log.warn({ event: 'collect.unknown', documentId }, 'the hub does not know this collected document');
      }
      markReported(
        db,
        items.map((i) => i.documentId),
        new Date(now()),
      );
      log.debug({ event: 'collect.batch', count: items.length, unknown: unknown.length }, 'collections reported');
    }
  }

  // ---- technician audit log ------------------------------------------------

  /**
   * A row as the protocol takes it. The kiosk writes codes and counts, but a
   * row the hub would refuse must not hold the log back forever: long texts
   * are cut, odd keys dropped, an odd actor or action named as such.
   */
  function auditItem(row: AuditEntry): AuditItem {
    const detail =
      row.detail === null
        ? null
        : Object.fromEntries(
            Object.entries(row.detail)
              .filter(([key]) => /^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(key))
              .slice(0, 16)
              .map(([key, value]) => [key, typeof value === 'string' ? value.slice(0, 200) : value]),
          );
    const item = { id: row.id, at: new Date(row.at).toISOString(), actor: row.actor, action: row.action, detail };
    const checked = AuditItemSchema.safeParse(item);
    if (checked.success) return checked.data;
    log.warn({ event: 'audit.rowCoerced', id: row.id }, 'audit row outside the protocol: sent with codes only');
    return {
      ...item,
      actor: /^[a-z][a-z0-9:._-]{0,79}$/.test(row.actor) ? row.actor : 'unknown',
      action: /^[a-z][a-z0-9._-]{0,63}$/.test(row.action) ? row.action : 'unknown',
      detail: null,
    };
  }

  /** Sends every audit row the hub has not acknowledged yet, oldest first. */
  async function auditAll(): Promise<void> {
    for (;;) {
      if (stopped) throw new SyncError('STOPPED', 'the sync client was stopped');
      const rows = unpushedAudit(db, MAX_BATCH);
      if (rows.length === 0) return;
      const items = rows.map(auditItem);
      const response = await call('audit', ENDPOINTS.audit.path, JSON.stringify({ items }));
      const sent = new Set(items.map((i) => i.id));
      const stored = response.stored.filter((id: number) => sent.has(id));
      if (stored.length === 0) throw new SyncError('BAD_RESPONSE', 'audit answer acknowledges none of the rows sent');
      markAuditPushed(db, stored, now());
      log.debug({ event: 'audit.batch', count: items.length, stored: stored.length }, 'audit rows sent');
      if (stored.length < items.length) {
        throw new SyncError('BAD_RESPONSE', 'audit answer does not acknowledge every row sent');
      }
    }
  }

  // ---- pull ---------------------------------------------------------------

  function alertsVersion(alerts: PullResponse['alerts']): string {
    return createHash('sha256').update(JSON.stringify(alerts)).digest('base64url').slice(0, 22);
  }

  /** The page's documents for the store; one whose envelope is not canonical base64url is skipped, not a reason to stall. */
  function pickupDocuments(page: PullResponse): NewPickupDocument[] {
    const out: NewPickupDocument[] = [];
    for (const d of page.documents ?? []) {
      let envelope: Uint8Array;
      try {
        envelope = fromBase64url(d.envelope);
      } catch {
        log.error({ event: 'pull.documentInvalid', documentId: d.id }, 'pickup document envelope is not base64url');
        continue;
      }
      out.push({
        id: d.id,
        submissionId: d.submissionId,
        title: { ...d.title },
        issuedAt: new Date(d.issuedAt),
        expiresAt: new Date(d.expiresAt),
        envelope,
      });
    }
    return out;
  }

  /** Applies one page and saves its cursor in one transaction: a crash re-pulls, never skips. */
  function applyPull(page: PullResponse): void {
    const at = new Date(now());
    db.transaction(() => {
      applyStatusChanges(db, page.statusChanges, at);
      for (const name of CATALOG_NAMES) {
        const catalog = page.catalogs?.[name];
        if (catalog !== undefined) putCache(db, name, catalog.version, catalog, at);
      }
      putCache(db, 'alerts', alertsVersion(page.alerts), page.alerts, at);
      if (page.revokedCards !== undefined) {
        const revoked = [...page.revokedCards].sort();
        putCache(
          db,
          'revokedCards',
          createHash('sha256').update(JSON.stringify(revoked)).digest('base64url').slice(0, 22),
          revoked,
          at,
        );
      }
      putPickupDocuments(db, pickupDocuments(page), at);
      recordPull(db, { cursor: page.cursor, at });
    }).immediate();
  }

  async function pullAll(): Promise<void> {
    morePull = false;
    for (let pages = 0; pages < MAX_PULL_PAGES; pages += 1) {
      let cursor = getPullCursor(db);
      if (cursor !== null && !CursorSchema.safeParse(cursor).success) {
        log.error({ event: 'pull.cursorInvalid' }, 'stored cursor is not a valid cursor; pulling from the start');
        cursor = null;
      }
      const path = cursor === null ? ENDPOINTS.pull.path : `${ENDPOINTS.pull.path}?cursor=${cursor}`;
      const page = await call('pull', path);
      applyPull(page);
      log.debug(
        {
          event: 'pull.page',
          statusChanges: page.statusChanges.length,
          catalogs: Object.keys(page.catalogs ?? {}),
          alerts: page.alerts.length,
          documents: page.documents?.length ?? 0,
        },
        'pull applied',
      );
      refreshStatus();
      if (!page.hasMore) return;
    }
    morePull = true;
  }

  // ---- heartbeat ----------------------------------------------------------

  function heartbeatBody(): HeartbeatRequest | null {
    const payload = options.heartbeat();
    const stats = queueStats(db, new Date(now()));
    const versions = cacheVersions(db);
    const catalogs: Record<string, string> = {};
    for (const name of CATALOG_NAMES) {
      const version = versions[name];
      if (version !== undefined) catalogs[name] = version;
    }
    const parsed = HeartbeatRequestSchema.safeParse({
      devices: payload.devices,
      queueDepth: stats.queued + stats.sending,
      oldestQueuedAgeMs: stats.oldestQueuedAgeMs === null ? null : Math.floor(stats.oldestQueuedAgeMs),
      versions: { app: payload.appVersion, catalogs },
      uptimeS: Math.max(0, Math.floor(payload.uptimeS)),
      ...(payload.paper !== undefined && { paper: payload.paper }),
      ...(payload.lastError !== undefined && { lastError: payload.lastError }),
      ...(payload.outOfService !== undefined && { outOfService: payload.outOfService }),
    });
    if (!parsed.success) {
      const where = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
      log.error({ event: 'heartbeat.invalid', where }, 'heartbeat payload invalid, not sent');
      return null;
    }
    return parsed.data;
  }

  async function heartbeatIfDue(): Promise<void> {
    if (lastHeartbeatAt === null || now() - lastHeartbeatAt >= heartbeatIntervalMs) await sendHeartbeat();
  }

  async function sendHeartbeat(): Promise<void> {
    const body = heartbeatBody();
    const sentAt = now();
    if (body === null) {
      lastHeartbeatAt = sentAt; // a broken payload must not hold the queue, nor be retried in a loop
      return;
    }
    const answer = await call('heartbeat', ENDPOINTS.heartbeat.path, JSON.stringify(body));
    const receivedAt = now();
    lastHeartbeatAt = receivedAt;
    const serverTime = Date.parse(answer.serverTime);
    clockOffsetMs = serverTime - Math.round((sentAt + receivedAt) / 2);
  }

  // ---- schedule -----------------------------------------------------------

  function clearSchedule(): void {
    if (timer !== null) options.clearTimer(timer.handle);
    timer = null;
  }

  function schedule(at: number): void {
    clearSchedule();
    const box = {
      handle: options.setTimer(
        () => {
          if (timer === box) timer = null;
          void request('forced');
        },
        Math.max(0, at - now()),
      ),
    };
    timer = box;
  }

  function succeeded(): void {
    if (lastError !== null) log.info({ event: 'sync.recovered', after: failures }, 'hub sync recovered');
    failures = 0;
    heldUntil = null;
    lastError = null;
    const t = now();
    let next = t + pollIntervalMs;
    if (lastHeartbeatAt !== null) next = Math.min(next, lastHeartbeatAt + heartbeatIntervalMs);
    if (morePull) next = t;
    schedule(next);
  }

  function failed(error: unknown): void {
    const code = codeOf(error);
    if (code === 'STOPPED') return;
    if (!(error instanceof SyncError)) {
      log.error({ event: 'sync.crashed', err: error instanceof Error ? error.message : String(error) }, 'sync bug');
    }
    let delay = backoffDelay(failures, random, policy);
    const retryAfter = error instanceof SyncError ? error.details.retryAfterMs : undefined;
    if (retryAfter !== undefined) delay = Math.max(delay, Math.min(retryAfter, MAX_RETRY_AFTER_MS));
    failures += 1;
    heldUntil = now() + delay;
    const fields = { event: 'sync.held', code, failures, retryInMs: delay };
    if (code !== lastError) log.warn(fields, error instanceof Error ? error.message : 'sync failed');
    else log.debug(fields, 'sync still failing');
    lastError = code;
    schedule(heldUntil);
  }

  async function cycle(): Promise<void> {
    clearSchedule();
    heldUntil = null;
    // Each step runs even when an earlier one was refused by the hub, so a
    // kiosk whose pushes fail still pulls and still tells the fleet dashboard
    // its queue is growing; when the hub cannot be reached at all (or not
    // trusted), the cycle ends at the first failure.
    let first: unknown = null;
    for (const step of [pushAll, collectAll, auditAll, pullAll, heartbeatIfDue]) {
      try {
        await step();
      } catch (error) {
        first ??= error;
        if (!(error instanceof SyncError) || !isProtocolCode(error.code)) break;
      }
    }
    if (first === null) succeeded();
    else failed(first);
    refreshStatus();
  }

  async function loop(): Promise<void> {
    while (pending !== 'none' && !stopped) {
      pending = 'none';
      const served = waiters;
      waiters = [];
      await cycle();
      for (const resolve of served) resolve();
      // A new submission does not break a hold; only the timer, syncNow or connectivity do.
      if (heldUntil !== null && (pending as Pending) === 'soft') pending = 'none';
    }
    running = null;
    const left = waiters;
    waiters = [];
    for (const resolve of left) resolve();
  }

  function request(kind: 'soft' | 'forced'): Promise<void> {
    if (stopped) return Promise.resolve();
    if (kind === 'soft' && (heldUntil !== null || !started)) return Promise.resolve();
    pending = pending === 'forced' || kind === 'forced' ? 'forced' : 'soft';
    const done = new Promise<void>((resolve) => waiters.push(resolve));
    running ??= loop();
    return done;
  }

  // ---- status -------------------------------------------------------------

  function snapshot(): SyncStatus {
    const t = now();
    const state = readSyncState(db);
    const q = queueStats(db, new Date(t));
    return {
      online,
      lastPushAt: iso(state.lastPushAt?.getTime() ?? null),
      lastPullAt: iso(state.lastPullAt?.getTime() ?? null),
      lastHeartbeatAt: iso(lastHeartbeatAt),
      lastError,
      queue: {
        queued: q.queued,
        sending: q.sending,
        accepted: q.accepted,
        rejected: q.rejected,
        oldestQueuedAt: q.oldestQueuedAgeMs === null ? null : iso(t - q.oldestQueuedAgeMs),
      },
      nextAttemptAt: iso(heldUntil),
    };
  }

  function refreshStatus(): SyncStatus {
    const current = snapshot();
    const key = JSON.stringify(current);
    if (key !== lastEmitted) {
      lastEmitted = key;
      for (const listener of listeners) {
        try {
          listener(current);
        } catch (error) {
          log.error(
            { event: 'sync.listenerFailed', err: error instanceof Error ? error.message : String(error) },
            'status listener threw',
          );
        }
      }
    }
    return current;
  }

  return {
    start() {
      if (started || stopped) return;
      started = true;
      const recovered = recoverInFlight(db);
      log.info({ event: 'sync.start', kioskId: pinned.kioskId, recovered }, 'sync client started');
      refreshStatus();
      void request('forced');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearSchedule();
      stopping.abort();
      await running;
      clearSchedule();
      log.info({ event: 'sync.stop' }, 'sync client stopped');
    },
    async syncNow() {
      await request('forced');
      return refreshStatus();
    },
    notifyQueued() {
      if (stopped) return;
      refreshStatus();
      void request('soft');
    },
    connectivityChanged(isOnline: boolean) {
      if (stopped) return;
      if (!isOnline) {
        online = false;
        refreshStatus();
        return;
      }
      log.info({ event: 'sync.connectivity', online: true, heldBy: lastError }, 'connectivity back');
      failures = 0;
      heldUntil = null;
      void request('forced');
    },
    status: refreshStatus,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async idle() {
      while (running !== null) await running;
    },
  };
}
