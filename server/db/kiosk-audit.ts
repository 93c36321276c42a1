/**
 * Kiosks' technician audit logs at the hub (POST /v1/audit): one row per
 * (kiosk, kiosk row id), so a resent batch is stored once. Ids, actions,
 * codes and counts only, as the kiosk wrote them.
 */
import type { Kysely } from 'kysely';
import type { AuditItem } from '../../sync/protocol/audit';
import type { HubDatabase } from './schema';

/** Stores the rows not stored yet; returns every id of the batch (now held by the hub). */
export async function storeKioskAudit(
  db: Kysely<HubDatabase>,
  kioskId: string,
  items: readonly AuditItem[],
  now: number,
): Promise<{ stored: number[]; inserted: number }> {
  let inserted = 0;
  for (const item of items) {
    const result = await db
      .insertInto('kiosk_audit')
      .values({
        kiosk_id: kioskId,
        kiosk_row_id: item.id,
        at: Date.parse(item.at),
        actor: item.actor,
        action: item.action,
        detail: item.detail === null ? null : JSON.stringify(item.detail),
        received_at: now,
      })
      .onConflict((oc) => oc.columns(['kiosk_id', 'kiosk_row_id']).doNothing())
      .executeTakeFirst();
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0n);
  }
  return { stored: items.map((i) => i.id), inserted };
}

export type KioskAuditEntry = {
  id: number;
  at: string;
  actor: string;
  action: string;
  detail: Record<string, string | number | boolean | null> | null;
  /** For a `card:<id>` actor: the console login the card was issued to (null when the hub has no such card). */
  holder: string | null;
};

/** A kiosk's latest technician actions, newest first. */
export async function recentKioskAudit(
  db: Kysely<HubDatabase>,
  kioskId: string,
  limit = 50,
): Promise<KioskAuditEntry[]> {
  const rows = await db
    .selectFrom('kiosk_audit')
    .select(['kiosk_row_id', 'at', 'actor', 'action', 'detail'])
    .where('kiosk_id', '=', kioskId)
    .orderBy('at', 'desc')
    .orderBy('kiosk_row_id', 'desc')
    .limit(limit)
    .execute();
  const cardIds = [...new Set(rows.filter((r) => r.actor.startsWith('card:')).map((r) => r.actor.slice(5)))];
  const holders = new Map<string, string>();
  if (cardIds.length > 0) {
    const cards = await db
      .selectFrom('technician_cards as c')
      .innerJoin('console_users as u', 'u.id', 'c.user_id')
      .select(['c.id', 'u.login'])
      .where('c.id', 'in', cardIds)
      .execute();
    for (const c of cards) holders.set(c.id, c.login);
  }
  return rows.map((r) => ({
    id: Number(r.kiosk_row_id),
    at: new Date(Number(r.at)).toISOString(),
    actor: r.actor,
    action: r.action,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as KioskAuditEntry['detail']),
    holder: r.actor.startsWith('card:') ? (holders.get(r.actor.slice(5)) ?? null) : null,
  }));
}
