/**
 * Kiosks: one-time enrollment codes, enrollment, revocation and heartbeats.
 */
import { createHash, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { EnrollResponse } from '../../sync/protocol';
import { HubError } from '../errors';
import { audit, requireComune, requireFrazione } from './comuni';
import type { HubDatabase, KioskTable } from './schema';

/** Crockford-like: no 0/O, 1/I/L, so a code read aloud or off a screen is typed right. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** Three groups of four: 12 symbols of 31, about 59 bits, for a code that lives a day at most. */
const CODE_GROUPS = 3;
const CODE_GROUP_LENGTH = 4;
export const DEFAULT_ENROLLMENT_TTL_MS = 24 * 60 * 60 * 1000;

/** What the codes are compared by: case and dashes as typed do not matter. */
export function normaliseEnrollmentCode(code: string): string {
  return code.replaceAll('-', '').toUpperCase();
}

function hashCode(code: string): string {
  return createHash('sha256').update(normaliseEnrollmentCode(code)).digest('hex');
}

function makeCode(random: (max: number) => number): string {
  const groups: string[] = [];
  for (let g = 0; g < CODE_GROUPS; g += 1) {
    let group = '';
    for (let i = 0; i < CODE_GROUP_LENGTH; i += 1) group += CODE_ALPHABET[random(CODE_ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

/**
 * Makes a one-time enrollment code for a kiosk of `istat`/`frazione`, valid for
 * `ttlMs`. Only its hash is stored: the returned code is the one copy.
 */
export async function insertEnrollmentCode(
  db: Kysely<HubDatabase>,
  input: { istat: string; frazione: string; ttlMs?: number; actor: string },
  now: number,
  random: (max: number) => number = randomInt,
): Promise<{ code: string; expiresAt: number }> {
  const ttlMs = input.ttlMs ?? DEFAULT_ENROLLMENT_TTL_MS;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new HubError('INVALID_INPUT', 'ttlMs must be a positive number');
  await requireFrazione(db, input.istat, input.frazione);
  const code = makeCode(random);
  const expiresAt = now + ttlMs;
  await db
    .insertInto('enrollment_codes')
    .values({
      code_hash: hashCode(code),
      comune_istat: input.istat,
      frazione_code: input.frazione,
      created_at: now,
      expires_at: expiresAt,
      used_at: null,
      used_by_kiosk_id: null,
    })
    .execute();
  await audit(db, {
    at: now,
    actor: input.actor,
    action: 'enrollment-code.create',
    subject: `${input.istat}/${input.frazione}`,
    detail: { expiresAt },
  });
  return { code, expiresAt };
}

/** The kiosk a request key belongs to (plain SQL: every request runs it, see ./guard). */
export async function kioskByKeyId(db: Kysely<HubDatabase>, keyId: string): Promise<KioskTable | undefined> {
  const { rows } = await sql<KioskTable>`select * from kiosks where key_id = ${keyId}`.execute(db);
  return rows[0];
}

export type EnrollOutcome =
  | { ok: true; kioskId: string; comune: EnrollResponse['comune']; frazione: EnrollResponse['frazione'] }
  | { ok: false; code: 'ENROLLMENT_CODE_INVALID' | 'REVOKED_KIOSK'; message: string };

/**
 * Enrolls the key `publicKey` (already proven by the request signature) with
 * a one-time code. A retry by the same key with the code it already used gets
 * the same answer, so a lost response does not strand the kiosk. A key that is
 * enrolled already and brings a new code is moved to the code's frazione,
 * keeping its kiosk id.
 */
export async function enrollKiosk(
  db: Kysely<HubDatabase>,
  input: { code: string; publicKey: string; keyId: string; softwareVersion: string },
  now: number,
): Promise<EnrollOutcome> {
  const invalid = (message: string): EnrollOutcome => ({ ok: false, code: 'ENROLLMENT_CODE_INVALID', message });
  const codeHash = hashCode(input.code);
  const code = await db.selectFrom('enrollment_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
  if (code === undefined) return invalid('unknown enrollment code');
  const existing = await kioskByKeyId(db, input.keyId);
  if (existing?.revoked_at != null) return { ok: false, code: 'REVOKED_KIOSK', message: 'this key was revoked' };

  let kioskId: string;
  if (code.used_at !== null) {
    if (existing === undefined || code.used_by_kiosk_id !== existing.id) return invalid('enrollment code already used');
    kioskId = existing.id; // the same kiosk retrying: same answer
  } else {
    if (code.expires_at <= now) return invalid('enrollment code expired');
    kioskId = existing?.id ?? uuidv7({ msecs: now });
    // Conditional on still being unused: of two concurrent uses, one wins.
    const claimed = await db
      .updateTable('enrollment_codes')
      .set({ used_at: now, used_by_kiosk_id: kioskId })
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (claimed.numUpdatedRows !== 1n) return invalid('enrollment code already used');
    if (existing === undefined) {
      await db
        .insertInto('kiosks')
        .values({
          id: kioskId,
          key_id: input.keyId,
          public_key: input.publicKey,
          comune_istat: code.comune_istat,
          frazione_code: code.frazione_code,
          software_version: input.softwareVersion,
          enrolled_at: now,
          revoked_at: null,
          last_heartbeat: null,
          last_heartbeat_at: null,
        })
        .execute();
    } else {
      await db
        .updateTable('kiosks')
        .set({
          comune_istat: code.comune_istat,
          frazione_code: code.frazione_code,
          software_version: input.softwareVersion,
        })
        .where('id', '=', kioskId)
        .execute();
    }
    await audit(db, {
      at: now,
      actor: `kiosk:${kioskId}`,
      action: existing === undefined ? 'kiosk.enroll' : 'kiosk.re-enroll',
      subject: kioskId,
      detail: { comune: code.comune_istat, frazione: code.frazione_code, keyId: input.keyId },
    });
  }
  const comune = await requireComune(db, code.comune_istat);
  const frazione = await requireFrazione(db, code.comune_istat, code.frazione_code);
  return {
    ok: true,
    kioskId,
    comune: { istat: comune.istat, name: comune.name },
    frazione: { code: frazione.code, name: frazione.name },
  };
}

/** Revokes a kiosk's key for good: every later request with it is refused (REVOKED_KIOSK). */
export async function revokeKiosk(
  db: Kysely<HubDatabase>,
  kioskId: string,
  actor: string,
  now: number,
): Promise<{ revokedAt: number }> {
  const kiosk = await db.selectFrom('kiosks').select(['id', 'revoked_at']).where('id', '=', kioskId).executeTakeFirst();
  if (kiosk === undefined) throw new HubError('NOT_FOUND', `no kiosk ${kioskId}`);
  if (kiosk.revoked_at !== null) return { revokedAt: kiosk.revoked_at };
  await db.updateTable('kiosks').set({ revoked_at: now }).where('id', '=', kioskId).execute();
  await audit(db, { at: now, actor, action: 'kiosk.revoke', subject: kioskId });
  return { revokedAt: now };
}

/** Keeps the kiosk's last heartbeat (as received) for the fleet dashboard. */
export async function recordHeartbeat(
  db: Kysely<HubDatabase>,
  kioskId: string,
  heartbeat: { json: string; appVersion: string },
  now: number,
): Promise<void> {
  await sql`
    update kiosks set last_heartbeat = ${heartbeat.json}, last_heartbeat_at = ${now},
                      software_version = ${heartbeat.appVersion}
    where id = ${kioskId}`.execute(db);
}

export type KioskSummary = {
  id: string;
  keyId: string;
  comune: string;
  frazione: string;
  softwareVersion: string;
  enrolledAt: string;
  revokedAt: string | null;
  lastHeartbeatAt: string | null;
  lastHeartbeat: unknown;
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function listKiosks(db: Kysely<HubDatabase>): Promise<KioskSummary[]> {
  const rows = await db.selectFrom('kiosks').selectAll().orderBy('enrolled_at').orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    keyId: r.key_id,
    comune: r.comune_istat,
    frazione: r.frazione_code,
    softwareVersion: r.software_version,
    enrolledAt: new Date(r.enrolled_at).toISOString(),
    revokedAt: iso(r.revoked_at),
    lastHeartbeatAt: iso(r.last_heartbeat_at),
    lastHeartbeat: r.last_heartbeat === null ? null : (JSON.parse(r.last_heartbeat) as unknown),
  }));
}
