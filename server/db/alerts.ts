/**
 * Fleet alerts (technician alerts about kiosks; the civil-protection alerts
 * the kiosks show are `alerts` in ./comuni). At most one open alert per kiosk
 * and kind, held by a partial unique index, so two hubs evaluating at once
 * cannot open it twice.
 */
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { HubError } from '../errors';
import { audit } from './comuni';
import type { FleetAlertKind, HubDatabase } from './schema';

export type StoredAlert = {
  id: string;
  kioskId: string;
  /** The kiosk's frazione, by name. */
  frazione: string;
  kind: FleetAlertKind;
  detail: unknown;
  openedAt: string;
  acknowledgedAt: string | null;
  /** The acknowledging user's login (staff, not a resident). */
  acknowledgedBy: string | null;
  clearedAt: string | null;
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The open alerts of one kiosk (or all kiosks). */
export async function openAlertRows(
  db: Kysely<HubDatabase>,
  kioskId?: string,
): Promise<Array<{ id: string; kiosk_id: string; kind: FleetAlertKind; detail: string | null }>> {
  let query = db
    .selectFrom('fleet_alerts')
    .select(['id', 'kiosk_id', 'kind', 'detail'])
    .where('cleared_at', 'is', null);
  if (kioskId !== undefined) query = query.where('kiosk_id', '=', kioskId);
  return query.execute();
}

/** Opens an alert unless one of this kind is open for the kiosk already; true when it opened one. */
export async function openAlert(
  db: Kysely<HubDatabase>,
  input: { kioskId: string; kind: FleetAlertKind; detail: string },
  now: number,
): Promise<boolean> {
  const id = uuidv7({ msecs: now });
  const result = await db
    .insertInto('fleet_alerts')
    .values({
      id,
      kiosk_id: input.kioskId,
      kind: input.kind,
      detail: input.detail,
      opened_at: now,
      acknowledged_at: null,
      acknowledged_by: null,
      cleared_at: null,
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  const opened = (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  if (opened) {
    await audit(db, {
      at: now,
      actor: 'fleet',
      action: 'fleet-alert.open',
      subject: id,
      detail: { kiosk: input.kioskId, kind: input.kind },
    });
  }
  return opened;
}

export async function clearAlert(db: Kysely<HubDatabase>, id: string, now: number): Promise<void> {
  const result = await db
    .updateTable('fleet_alerts')
    .set({ cleared_at: now })
    .where('id', '=', id)
    .where('cleared_at', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows > 0n)
    await audit(db, { at: now, actor: 'fleet', action: 'fleet-alert.clear', subject: id });
}

export async function updateAlertDetail(db: Kysely<HubDatabase>, id: string, detail: string): Promise<void> {
  await db.updateTable('fleet_alerts').set({ detail }).where('id', '=', id).where('cleared_at', 'is', null).execute();
}

/**
 * A technician takes an open alert in hand: who and when, audit-logged. It
 * stays open until its cause clears. NOT_FOUND for an unknown id,
 * INVALID_STATE for a cleared one; acknowledging twice keeps the first.
 */
export async function acknowledgeAlert(
  db: Kysely<HubDatabase>,
  id: string,
  userId: string,
  now: number,
): Promise<void> {
  const alert = await db
    .selectFrom('fleet_alerts')
    .select(['id', 'kiosk_id', 'kind', 'acknowledged_at', 'cleared_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (alert === undefined) throw new HubError('NOT_FOUND', `no fleet alert ${id}`);
  if (alert.cleared_at !== null) throw new HubError('INVALID_STATE', `fleet alert ${id} is cleared already`);
  if (alert.acknowledged_at !== null) return;
  await db
    .updateTable('fleet_alerts')
    .set({ acknowledged_at: now, acknowledged_by: userId })
    .where('id', '=', id)
    .where('acknowledged_at', 'is', null)
    .execute();
  await audit(db, {
    at: now,
    actor: `console:${userId}`,
    action: 'fleet-alert.acknowledge',
    subject: id,
    detail: { kiosk: alert.kiosk_id, kind: alert.kind },
  });
}

/** Alerts, newest first: the open ones, or also those cleared since `clearedSince`; of one kiosk when given. */
export async function listAlerts(
  db: Kysely<HubDatabase>,
  options: { clearedSince?: number; kioskId?: string; limit?: number } = {},
): Promise<StoredAlert[]> {
  let query = db
    .selectFrom('fleet_alerts as a')
    .innerJoin('kiosks as k', 'k.id', 'a.kiosk_id')
    .innerJoin('frazioni as f', (join) =>
      join.onRef('f.comune_istat', '=', 'k.comune_istat').onRef('f.code', '=', 'k.frazione_code'),
    )
    .leftJoin('console_users as u', 'u.id', 'a.acknowledged_by')
    .select([
      'a.id',
      'a.kiosk_id',
      'f.name as frazione_name',
      'a.kind',
      'a.detail',
      'a.opened_at',
      'a.acknowledged_at',
      'u.login as acknowledged_login',
      'a.cleared_at',
    ]);
  const since = options.clearedSince;
  query =
    since === undefined
      ? query.where('a.cleared_at', 'is', null)
      : query.where((eb) => eb.or([eb('a.cleared_at', 'is', null), eb('a.cleared_at', '>=', since)]));
  if (options.kioskId !== undefined) query = query.where('a.kiosk_id', '=', options.kioskId);
  const rows = await query
    .orderBy('a.opened_at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(options.limit ?? 500)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kioskId: r.kiosk_id,
    frazione: r.frazione_name,
    kind: r.kind,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as unknown),
    openedAt: iso(r.opened_at)!,
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_login ?? null,
    clearedAt: iso(r.cleared_at),
  }));
}
