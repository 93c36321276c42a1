/**
 * Replay protection and rate limits, kept in the database so every hub
 * process behind a load balancer sees the same nonces and counters.
 *
 * Every request runs these two, so they are written as plain SQL (the same
 * text on SQLite and PostgreSQL) rather than built: Kysely's query builder
 * costs more per call than executing the statement does.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { HubDatabase } from './schema';

/**
 * Records a request nonce; true when this key had used it already. One
 * conflict-free insert: of two processes seeing the same nonce at once,
 * exactly one records it (the other waits on the unique key, then sees it).
 */
export async function nonceSeen(db: Kysely<HubDatabase>, keyId: string, nonce: string, now: number): Promise<boolean> {
  const { rows } = await sql<{ nonce: string }>`
    insert into nonces (key_id, nonce, seen_at) values (${keyId}, ${nonce}, ${now})
    on conflict (key_id, nonce) do nothing returning nonce`.execute(db);
  return rows.length === 0;
}

export type RateLimit = { max: number; windowMs: number };

/**
 * Counts one request against `key` in the current fixed window; refused with
 * the time until the window ends when it is over `max`.
 */
export async function takeRateLimit(
  db: Kysely<HubDatabase>,
  key: string,
  limit: RateLimit,
  now: number,
): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
  const windowStart = now - (now % limit.windowMs);
  const { rows } = await sql<{ count: number }>`
    insert into rate_limits (key, window_start, count) values (${key}, ${windowStart}, 1)
    on conflict (key, window_start) do update set count = rate_limits.count + 1 returning count`.execute(db);
  const row = rows[0]!;
  if (row.count <= limit.max) return { ok: true };
  return { ok: false, retryAfterMs: windowStart + limit.windowMs - now };
}

/**
 * Deletes nonces older than `nonceTtlMs` (twice the signature window: an older
 * request is refused as stale anyway) and rate-limit windows that ended.
 */
export async function purgeGuards(
  db: Kysely<HubDatabase>,
  options: { nonceTtlMs: number; rateWindowMs: number },
  now: number,
): Promise<{ nonces: number; rateLimits: number }> {
  const nonces = await db
    .deleteFrom('nonces')
    .where('seen_at', '<', now - options.nonceTtlMs)
    .executeTakeFirst();
  const rateLimits = await db
    .deleteFrom('rate_limits')
    .where('window_start', '<', now - options.rateWindowMs)
    .executeTakeFirst();
  return { nonces: Number(nonces.numDeletedRows), rateLimits: Number(rateLimits.numDeletedRows) };
}
