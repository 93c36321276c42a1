/**
 * The runtime's side of sync: the kiosk identity, enrollment with a one-time
 * code, and the sync client once enrolled. Its status is what the kiosk API
 * pushes as `sync.status`.
 */
import type { Database } from 'better-sqlite3';
import { randomInt } from 'node:crypto';
import { loadOrCreateIdentity } from '../../sync/crypto/identity';
import { createSyncClient, enroll, loadEnrollment } from '../../sync/client';
import type { SyncClient, SyncStatus } from '../../sync/client';
import type { DeviceState as HeartbeatDevice } from '../../sync/protocol/heartbeat';
import type { DevicesStatus, KioskStatus, SyncState } from '../api/contract';
import type { Logger } from './log';

export const APP_VERSION = '0.1.0';

/** The sync state of a kiosk that is not enrolled (or not syncing at all). */
export const NOT_SYNCING: SyncState = {
  enrolled: false,
  online: false,
  lastPushAt: null,
  lastPullAt: null,
  lastError: null,
  queued: 0,
  oldestQueuedAt: null,
  nextAttemptAt: null,
};

export type SyncManager = {
  status(): SyncState;
  onStatus(listener: (status: SyncState) => void): () => void;
  /** Enrolls this kiosk with a one-time code from the hub, pins the hub's keys and starts syncing. */
  enroll(code: string): Promise<void>;
  /** A submission was queued: push it now unless the queue is held. */
  notifyQueued(): void;
  syncNow(): Promise<void>;
  close(): Promise<void>;
};

function heartbeatDevices(devices: DevicesStatus): HeartbeatDevice[] {
  const map = (device: HeartbeatDevice['device'], d: DevicesStatus[keyof DevicesStatus]): HeartbeatDevice => ({
    device,
    state:
      d.connection === 'not-configured'
        ? 'not-configured'
        : d.connection !== 'connected'
          ? 'offline'
          : d.problem !== null
            ? 'error'
            : 'paperNearEnd' in d && d.paperNearEnd
              ? 'warning'
              : 'ok',
    code: d.problem,
  });
  return [
    map('printer', devices.printer),
    map('barcode', devices.scanner),
    map('magstripe', devices.magstripe),
    map('mrz', devices.mrz),
  ];
}

/** What the heartbeat says about the kiosk's service: null in service, else the reason and a technician's note. */
export function heartbeatOutOfService(status: KioskStatus): { reason: string; message: string | null } | null {
  if (status.inService || status.outOfServiceReason === null) return null;
  return { reason: status.outOfServiceReason, message: status.message ?? null };
}

/** The code of the first device problem (printer first), for the heartbeat's `lastError`. */
export function deviceErrorCode(devices: DevicesStatus): string | null {
  for (const d of [devices.printer, devices.scanner, devices.magstripe, devices.mrz]) {
    if (d.connection !== 'not-configured' && d.problem !== null) return d.problem;
  }
  return null;
}

function toState(enrolled: boolean, s: SyncStatus | null): SyncState {
  return {
    enrolled,
    online: s?.online ?? false,
    lastPushAt: s?.lastPushAt ?? null,
    lastPullAt: s?.lastPullAt ?? null,
    lastError: s?.lastError ?? null,
    queued: (s?.queue.queued ?? 0) + (s?.queue.sending ?? 0),
    oldestQueuedAt: s?.queue.oldestQueuedAt ?? null,
    nextAttemptAt: s?.nextAttemptAt ?? null,
  };
}

export function createSyncManager(opts: {
  db: Database;
  dataDir: string;
  hubUrl: string;
  devices: () => DevicesStatus;
  /** The kiosk's service status, told to the hub with every heartbeat. */
  service?: () => KioskStatus;
  log: Logger;
  startedAt: number;
}): SyncManager {
  const log = opts.log.child({ module: 'sync' });
  const identity = loadOrCreateIdentity(opts.dataDir);
  const listeners = new Set<(s: SyncState) => void>();
  let client: SyncClient | null = null;
  let state = NOT_SYNCING;

  const publish = (next: SyncState) => {
    if (JSON.stringify(next) === JSON.stringify(state)) return;
    state = next;
    for (const l of listeners) l(state);
  };

  function start(pinned: NonNullable<ReturnType<typeof loadEnrollment>>): void {
    client = createSyncClient({
      db: opts.db,
      hubUrl: opts.hubUrl,
      identity,
      pinned,
      now: Date.now,
      random: () => randomInt(0, 2 ** 32) / 2 ** 32,
      setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
      clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      log,
      heartbeat: () => {
        const devices = opts.devices();
        const printer = devices.printer.connection === 'not-configured' ? null : devices.printer;
        const service = opts.service?.();
        return {
          devices: heartbeatDevices(devices),
          appVersion: APP_VERSION,
          uptimeS: Math.round((Date.now() - opts.startedAt) / 1000),
          ...(printer && { paper: { nearEnd: printer.paperNearEnd, remainingReceipts: printer.remainingReceipts } }),
          // A device problem now, else what last held the queue (a code, never text).
          lastError: deviceErrorCode(devices) ?? client?.status().lastError ?? null,
          ...(service && { outOfService: heartbeatOutOfService(service) }),
        };
      },
      batchSize: 50,
    });
    client.onStatus((s) => publish(toState(true, s)));
    client.start();
    publish(toState(true, client.status()));
  }

  const pinned = loadEnrollment(opts.db);
  if (pinned) start(pinned);
  else log.info({ event: 'sync.not-enrolled' }, 'kiosk not enrolled: requests stay queued until it is');

  return {
    status: () => state,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async enroll(code) {
      // enroll() pins the hub's keys in the store before it returns.
      await enroll({ hubUrl: opts.hubUrl, code, identity, softwareVersion: APP_VERSION, db: opts.db, log });
      await client?.stop();
      const stored = loadEnrollment(opts.db);
      if (!stored) throw new Error('enrollment was not pinned');
      log.info({ event: 'sync.enrolled', kioskId: stored.kioskId }, 'kiosk enrolled');
      start(stored);
    },
    notifyQueued: () => client?.notifyQueued(),
    async syncNow() {
      await client?.syncNow();
    },
    async close() {
      listeners.clear();
      await client?.stop();
    },
  };
}
