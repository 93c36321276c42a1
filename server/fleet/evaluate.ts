/**
 * What the fleet dashboard derives from a kiosk's last heartbeat and its age:
 * online or not, paper, readers, backlog — and which alert causes hold now.
 * Pure: the clock and the thresholds are arguments, so tests move time
 * instead of waiting for it.
 */
import type { DeviceState, HeartbeatRequest } from '../../sync/protocol';
import type { FleetAlertKind } from '../db/schema';

/**
 * The kiosk sync client's heartbeat interval (DEFAULT_HEARTBEAT_INTERVAL_MS in
 * sync/client/client.ts, which the hub may not import): one a minute.
 */
export const KIOSK_HEARTBEAT_INTERVAL_MS = 60_000;

export type FleetThresholds = {
  /** Online while the last heartbeat is younger than this (three missed heartbeats make it offline). */
  onlineWithinMs: number;
  /** An offline alert opens when the last heartbeat is this old (or, never having sent one, since enrollment). */
  offlineAlertMs: number;
  /** A backlog alert opens when the oldest queued request is this old. */
  backlogAlertMs: number;
  /** A paper alert opens at or below this many estimated receipts, as well as on the near-end sensor. */
  paperLowReceipts: number;
};

export const DEFAULT_THRESHOLDS: FleetThresholds = {
  onlineWithinMs: 3 * KIOSK_HEARTBEAT_INTERVAL_MS,
  offlineAlertMs: 15 * 60_000,
  backlogAlertMs: 60 * 60_000,
  paperLowReceipts: 30,
};

export type PaperState = 'ok' | 'near-end' | 'out' | 'unknown';

/** Printer codes that mean the roll, handled by the paper alert rather than the device-error one. */
const PAPER_CODES = new Set(['PAPER_OUT', 'PAPER_LOW', 'PAPER_NEAR_END']);

export type KioskHealthInput = {
  enrolledAt: number;
  lastHeartbeatAt: number | null;
  heartbeat: HeartbeatRequest | null;
};

export type KioskHealth = {
  online: boolean;
  /** Ms since the last heartbeat; null when there was none. */
  heartbeatAgeMs: number | null;
  paper: PaperState;
  remainingReceipts: number | null;
  devices: DeviceState[];
  queueDepth: number | null;
  /** The oldest queued request's age now: its age at the heartbeat plus the time since. */
  oldestQueuedAgeMs: number | null;
  version: string | null;
  uptimeS: number | null;
  lastError: string | null;
  /** Out of service as the last heartbeat said: a reason code and a technician's note; null in service or unknown. */
  outOfService: { reason: string; message: string | null } | null;
};

export function paperState(heartbeat: HeartbeatRequest): PaperState {
  const printer = heartbeat.devices.find((d) => d.device === 'printer');
  if (printer?.code === 'PAPER_OUT') return 'out';
  if (heartbeat.paper?.nearEnd === true) return 'near-end';
  if (printer === undefined || printer.state === 'not-configured' || printer.state === 'offline') {
    return heartbeat.paper === undefined ? 'unknown' : 'ok';
  }
  if (printer.code === 'PAPER_LOW' || printer.code === 'PAPER_NEAR_END') return 'near-end';
  return 'ok';
}

export function kioskHealth(input: KioskHealthInput, now: number, thresholds: FleetThresholds): KioskHealth {
  const { heartbeat, lastHeartbeatAt } = input;
  const age = lastHeartbeatAt === null ? null : Math.max(0, now - lastHeartbeatAt);
  const online = age !== null && age < thresholds.onlineWithinMs;
  if (heartbeat === null) {
    return {
      online,
      heartbeatAgeMs: age,
      paper: 'unknown',
      remainingReceipts: null,
      devices: [],
      queueDepth: null,
      oldestQueuedAgeMs: null,
      version: null,
      uptimeS: null,
      lastError: null,
      outOfService: null,
    };
  }
  return {
    online,
    heartbeatAgeMs: age,
    paper: paperState(heartbeat),
    remainingReceipts: heartbeat.paper?.remainingReceipts ?? null,
    devices: heartbeat.devices,
    queueDepth: heartbeat.queueDepth,
    oldestQueuedAgeMs:
      heartbeat.oldestQueuedAgeMs === null || heartbeat.queueDepth === 0
        ? null
        : heartbeat.oldestQueuedAgeMs + (age ?? 0),
    version: heartbeat.versions.app,
    uptimeS: heartbeat.uptimeS,
    lastError: heartbeat.lastError ?? null,
    outOfService: heartbeat.outOfService ?? null,
  };
}

/** A reason for an alert that holds now; `detail` is codes only. */
export type AlertCause = { kind: FleetAlertKind; detail: Record<string, unknown> };

/** The alert causes that hold for a kiosk now, at most one per kind. */
export function alertCauses(
  input: KioskHealthInput,
  health: KioskHealth,
  now: number,
  thresholds: FleetThresholds,
): AlertCause[] {
  const causes: AlertCause[] = [];
  const silentFor = now - (input.lastHeartbeatAt ?? input.enrolledAt);
  if (silentFor >= thresholds.offlineAlertMs) {
    causes.push({
      kind: 'offline',
      detail: { since: new Date(input.lastHeartbeatAt ?? input.enrolledAt).toISOString() },
    });
  }
  const lowCount = health.remainingReceipts !== null && health.remainingReceipts <= thresholds.paperLowReceipts;
  if (health.paper === 'near-end' || health.paper === 'out' || lowCount) {
    causes.push({
      kind: 'paper',
      detail: { paper: health.paper === 'ok' ? 'near-end' : health.paper, remainingReceipts: health.remainingReceipts },
    });
  }
  if (health.oldestQueuedAgeMs !== null && health.oldestQueuedAgeMs >= thresholds.backlogAlertMs) {
    causes.push({ kind: 'backlog', detail: { queueDepth: health.queueDepth } });
  }
  const failing = health.devices
    .filter((d) => (d.state === 'error' || d.state === 'offline') && !(d.code !== null && PAPER_CODES.has(d.code)))
    .map((d) => ({ device: d.device, state: d.state, code: d.code }));
  if (failing.length > 0) causes.push({ kind: 'device-error', detail: { devices: failing } });
  return causes;
}

export type OpenAlert = { id: string; kind: FleetAlertKind; detail: string | null };

export type AlertPlan = {
  /** Causes with no open alert of their kind: open one each. */
  open: AlertCause[];
  /** Open alerts whose cause no longer holds: clear them. */
  clear: string[];
  /** Open alerts whose cause holds with other detail (near-end became out): update the detail. */
  update: Array<{ id: string; detail: string }>;
};

/**
 * De-duplication and clearing: one open alert per kind. An alert stays open
 * (acknowledged or not) while its cause holds, and is cleared when it does
 * not; a cause that comes back after that opens a new alert.
 */
export function planAlerts(open: readonly OpenAlert[], causes: readonly AlertCause[]): AlertPlan {
  const plan: AlertPlan = { open: [], clear: [], update: [] };
  const byKind = new Map(causes.map((c) => [c.kind, c]));
  const openKinds = new Set<FleetAlertKind>();
  for (const alert of open) {
    const cause = byKind.get(alert.kind);
    if (cause === undefined || openKinds.has(alert.kind)) {
      plan.clear.push(alert.id);
      continue;
    }
    openKinds.add(alert.kind);
    const detail = JSON.stringify(cause.detail);
    if (alert.kind !== 'offline' && detail !== alert.detail) plan.update.push({ id: alert.id, detail });
  }
  for (const cause of causes) if (!openKinds.has(cause.kind)) plan.open.push(cause);
  return plan;
}
