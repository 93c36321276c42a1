/**
 * The fleet dashboard's data: every kiosk's health from its last heartbeat,
 * the alerts evaluated from it, and samples for the charts. Alerts are
 * evaluated when a heartbeat arrives (inside its unit), on a timer, and on
 * each dashboard read, so an offline kiosk raises its alert with nobody
 * watching and a dashboard never shows a stale verdict.
 */
import type { Kysely } from 'kysely';
import { HeartbeatRequestSchema } from '../../sync/protocol';
import type { HeartbeatRequest } from '../../sync/protocol';
import { clearAlert, listAlerts, openAlert, openAlertRows, updateAlertDetail } from '../db/alerts';
import type { StoredAlert } from '../db/alerts';
import { fleetKiosks, insertSample, pruneSamples, samplesSince } from '../db/fleet';
import type { FleetKioskRow, Sample } from '../db/fleet';
import type { HubDb } from '../db/open';
import type { HubDatabase } from '../db/schema';
import { recentKioskAudit } from '../db/kiosk-audit';
import type { KioskAuditEntry } from '../db/kiosk-audit';
import { alertCauses, kioskHealth, paperState, planAlerts } from './evaluate';
import type { FleetThresholds, KioskHealth, KioskHealthInput } from './evaluate';

/** Samples are kept this long (the charts show up to a week). */
export const SAMPLE_RETENTION_MS = 7 * 24 * 60 * 60_000;
/** Cleared alerts stay on the dashboard this long. */
export const CLEARED_VISIBLE_MS = 24 * 60 * 60_000;

export type FleetKiosk = KioskHealth & {
  id: string;
  comune: string;
  frazione: { code: string; name: string };
  enrolledAt: string;
  lastHeartbeatAt: string | null;
  openAlerts: number;
};

function parseHeartbeat(json: string | null): HeartbeatRequest | null {
  if (json === null) return null;
  try {
    const parsed = HeartbeatRequestSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function healthInput(row: FleetKioskRow): KioskHealthInput {
  return {
    enrolledAt: row.enrolled_at,
    lastHeartbeatAt: row.last_heartbeat_at,
    heartbeat: parseHeartbeat(row.last_heartbeat),
  };
}

/** Brings one kiosk's open alerts in line with the causes that hold now. */
async function reconcile(
  db: Kysely<HubDatabase>,
  row: FleetKioskRow,
  now: number,
  thresholds: FleetThresholds,
): Promise<void> {
  const input = healthInput(row);
  const causes = alertCauses(input, kioskHealth(input, now, thresholds), now, thresholds);
  const plan = planAlerts(await openAlertRows(db, row.id), causes);
  for (const id of plan.clear) await clearAlert(db, id, now);
  for (const { id, detail } of plan.update) await updateAlertDetail(db, id, detail);
  for (const cause of plan.open) {
    await openAlert(db, { kioskId: row.id, kind: cause.kind, detail: JSON.stringify(cause.detail) }, now);
  }
}

/**
 * Runs inside the heartbeat's unit, after recordHeartbeat: keeps a sample for
 * the charts and re-evaluates the kiosk's alerts.
 */
export async function onHeartbeat(
  db: Kysely<HubDatabase>,
  kioskId: string,
  heartbeat: HeartbeatRequest,
  now: number,
  thresholds: FleetThresholds,
): Promise<void> {
  await insertSample(db, kioskId, {
    at: now,
    queueDepth: heartbeat.queueDepth,
    oldestQueuedAgeMs: heartbeat.oldestQueuedAgeMs,
    paper: paperState(heartbeat),
    remainingReceipts: heartbeat.paper?.remainingReceipts ?? null,
    uptimeS: heartbeat.uptimeS,
  });
  const [row] = await fleetKiosks(db, kioskId);
  if (row !== undefined) await reconcile(db, row, now, thresholds);
}

/** Re-evaluates every kiosk's alerts (the timer, and each dashboard read); prunes old samples. */
export async function evaluateFleet(hubDb: HubDb, now: () => number, thresholds: FleetThresholds): Promise<void> {
  await hubDb.write(async (db) => {
    const at = now();
    for (const row of await fleetKiosks(db)) await reconcile(db, row, at, thresholds);
    await pruneSamples(db, at - SAMPLE_RETENTION_MS);
  });
}

/** Every kiosk as the dashboard lists it. No personal data: ids, places, device codes, counts. */
export async function fleetOverview(
  db: Kysely<HubDatabase>,
  now: number,
  thresholds: FleetThresholds,
): Promise<FleetKiosk[]> {
  const rows = await fleetKiosks(db);
  const open = await openAlertRows(db);
  return rows.map((row) => toFleetKiosk(row, open.filter((a) => a.kiosk_id === row.id).length, now, thresholds));
}

function toFleetKiosk(row: FleetKioskRow, openAlerts: number, now: number, thresholds: FleetThresholds): FleetKiosk {
  const health = kioskHealth(healthInput(row), now, thresholds);
  return {
    id: row.id,
    comune: row.comune_istat,
    frazione: { code: row.frazione_code, name: row.frazione_name },
    enrolledAt: new Date(row.enrolled_at).toISOString(),
    lastHeartbeatAt: row.last_heartbeat_at === null ? null : new Date(row.last_heartbeat_at).toISOString(),
    ...health,
    version: health.version ?? row.software_version,
    openAlerts,
  };
}

export type KioskDetail = {
  kiosk: FleetKiosk;
  samples: Sample[];
  alerts: StoredAlert[];
  /** The kiosk's latest technician actions (its audit log as sent), newest first. */
  technicianActions: KioskAuditEntry[];
};

/** One kiosk with its samples over the last `windowMs` and its recent alerts; null when unknown or revoked. */
export async function kioskDetail(
  db: Kysely<HubDatabase>,
  kioskId: string,
  windowMs: number,
  now: number,
  thresholds: FleetThresholds,
): Promise<KioskDetail | null> {
  const [row] = await fleetKiosks(db, kioskId);
  if (row === undefined) return null;
  const alerts = await listAlerts(db, { kioskId, clearedSince: now - windowMs, limit: 100 });
  const samples = await samplesSince(db, kioskId, now - windowMs, 2000);
  const open = alerts.filter((a) => a.clearedAt === null).length;
  const technicianActions = await recentKioskAudit(db, kioskId, 50);
  return { kiosk: toFleetKiosk(row, open, now, thresholds), samples, alerts, technicianActions };
}
