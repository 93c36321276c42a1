/**
 * The fleet as the dashboard reads it: kiosks with their last heartbeat, and
 * heartbeat samples for the per-kiosk charts (pruned by age).
 */
import type { Kysely } from 'kysely';
import type { HubDatabase } from './schema';

export type FleetKioskRow = {
  id: string;
  comune_istat: string;
  frazione_code: string;
  frazione_name: string;
  software_version: string;
  enrolled_at: number;
  last_heartbeat: string | null;
  last_heartbeat_at: number | null;
};

/** Kiosks that are not revoked, with their frazione's name; one kiosk when `kioskId` is given. */
export async function fleetKiosks(db: Kysely<HubDatabase>, kioskId?: string): Promise<FleetKioskRow[]> {
  let query = db
    .selectFrom('kiosks as k')
    .innerJoin('frazioni as f', (join) =>
      join.onRef('f.comune_istat', '=', 'k.comune_istat').onRef('f.code', '=', 'k.frazione_code'),
    )
    .select([
      'k.id',
      'k.comune_istat',
      'k.frazione_code',
      'f.name as frazione_name',
      'k.software_version',
      'k.enrolled_at',
      'k.last_heartbeat',
      'k.last_heartbeat_at',
    ])
    .where('k.revoked_at', 'is', null);
  if (kioskId !== undefined) query = query.where('k.id', '=', kioskId);
  return query.orderBy('f.name').orderBy('k.id').execute();
}

export type Sample = {
  at: number;
  queueDepth: number;
  oldestQueuedAgeMs: number | null;
  paper: string;
  remainingReceipts: number | null;
  uptimeS: number;
};

/** Stores one heartbeat sample; a second one at the same millisecond is dropped. */
export async function insertSample(db: Kysely<HubDatabase>, kioskId: string, sample: Sample): Promise<void> {
  await db
    .insertInto('fleet_samples')
    .values({
      kiosk_id: kioskId,
      at: sample.at,
      queue_depth: sample.queueDepth,
      oldest_queued_age_ms: sample.oldestQueuedAgeMs,
      paper: sample.paper,
      remaining_receipts: sample.remainingReceipts,
      uptime_s: sample.uptimeS,
    })
    .onConflict((oc) => oc.columns(['kiosk_id', 'at']).doNothing())
    .execute();
}

/** A kiosk's samples since `since`, oldest first, at most `limit` (the newest ones). */
export async function samplesSince(
  db: Kysely<HubDatabase>,
  kioskId: string,
  since: number,
  limit: number,
): Promise<Sample[]> {
  const rows = await db
    .selectFrom('fleet_samples')
    .selectAll()
    .where('kiosk_id', '=', kioskId)
    .where('at', '>=', since)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse().map((r) => ({
    at: r.at,
    queueDepth: r.queue_depth,
    oldestQueuedAgeMs: r.oldest_queued_age_ms,
    paper: r.paper,
    remainingReceipts: r.remaining_receipts,
    uptimeS: r.uptime_s,
  }));
}

export async function pruneSamples(db: Kysely<HubDatabase>, olderThan: number): Promise<number> {
  const result = await db.deleteFrom('fleet_samples').where('at', '<', olderThan).executeTakeFirst();
  return Number(result.numDeletedRows);
}
