/**
 * Technician cards at the hub: issued to a console user with the technician
 * or admin role, signed with the hub's signing key (which every enrolled
 * kiosk pinned), listed, and revoked. The hub keeps the card's row, never its
 * token: the token is shown once, at issue, as text and as a printable QR.
 * Revoked ids reach the kiosks of the card's comune with every pull.
 */
import type { Kysely } from 'kysely';
import QRCode from 'qrcode';
import { v7 as uuidv7 } from 'uuid';
import { createEd25519Signer } from '../../sync/crypto/keys';
import { signTechnicianCard, technicianCardText } from '../../sync/crypto/technician-card';
import { DEFAULT_CARD_VALIDITY_MS } from '../../sync/protocol/technician-card';
import { audit } from '../db/comuni';
import type { LoadedHubKeys } from '../db/keys';
import type { HubDb } from '../db/open';
import type { HubDatabase } from '../db/schema';
import { HubError } from '../errors';

export type CardSummary = {
  id: string;
  userId: string;
  login: string;
  role: string;
  comune: string;
  issuedAt: string;
  expiresAt: string;
  revokedAt: string | null;
};

export type IssuedCard = CardSummary & {
  /** `SPORTELLO-TECH:1:<token>`: shown once; the hub does not keep it. */
  text: string;
  /** The same text as a QR code (SVG), to print on the card. */
  qrSvg: string;
};

const CARD_ROLES = new Set(['technician', 'admin']);
const iso = (ms: number) => new Date(ms).toISOString();

/** The comune a card is for: the one named, or the hub's only comune. */
async function cardComune(db: Kysely<HubDatabase>, comune: string | undefined): Promise<string> {
  const rows = await db.selectFrom('comuni').select('istat').orderBy('istat').execute();
  if (comune !== undefined) {
    if (!rows.some((r) => r.istat === comune)) throw new HubError('NOT_FOUND', `no comune ${comune}`);
    return comune;
  }
  if (rows.length === 1) return rows[0]!.istat;
  throw new HubError('INVALID_INPUT', rows.length === 0 ? 'the hub has no comune' : 'name the comune (ISTAT code)');
}

/** Issues a card to the console user `login` (technician or admin); returns it with its token, once. */
export async function issueTechnicianCard(
  hubDb: HubDb,
  keys: LoadedHubKeys,
  input: { login: string; comune?: string; validityMs?: number; actor: string },
  now: number,
): Promise<IssuedCard> {
  const validityMs = input.validityMs ?? DEFAULT_CARD_VALIDITY_MS;
  if (!Number.isInteger(validityMs) || validityMs < 60_000 || validityMs > 5 * DEFAULT_CARD_VALIDITY_MS) {
    throw new HubError('INVALID_INPUT', 'validity must be between a minute and five years');
  }
  const issued = await hubDb.write(async (db) => {
    const user = await db
      .selectFrom('console_users')
      .select(['id', 'login', 'role', 'disabled_at'])
      .where('login', '=', input.login.trim().toLowerCase())
      .executeTakeFirst();
    if (user === undefined || user.disabled_at !== null) throw new HubError('NOT_FOUND', 'no such console user');
    if (!CARD_ROLES.has(user.role)) {
      throw new HubError('INVALID_INPUT', `a card is for a technician or an admin, not a ${user.role}`);
    }
    const comune = await cardComune(db, input.comune);
    const issuedS = Math.floor(now / 1000);
    const expiresS = Math.floor((now + validityMs) / 1000);
    const id = uuidv7({ msecs: now });
    await db
      .insertInto('technician_cards')
      .values({
        id,
        user_id: user.id,
        comune_istat: comune,
        issued_at: issuedS * 1000,
        expires_at: expiresS * 1000,
        issued_by: input.actor,
        revoked_at: null,
        revoked_by: null,
      })
      .execute();
    await audit(db, {
      at: now,
      actor: input.actor,
      action: 'technician-card.issue',
      subject: id,
      detail: { userId: user.id },
    });
    const token = signTechnicianCard(
      { v: 1, id, sub: user.id, login: user.login, comune, iat: issuedS, exp: expiresS },
      createEd25519Signer(keys.signing.privateKey),
    );
    const summary: CardSummary = {
      id,
      userId: user.id,
      login: user.login,
      role: user.role,
      comune,
      issuedAt: iso(issuedS * 1000),
      expiresAt: iso(expiresS * 1000),
      revokedAt: null,
    };
    return { summary, text: technicianCardText(token) };
  });
  // Error correction M: a card gets handled and worn; the text stays well inside version 15.
  const qrSvg = await QRCode.toString(issued.text, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
  return { ...issued.summary, text: issued.text, qrSvg };
}

/** Revokes a card (idempotent: the first revocation is kept). NOT_FOUND for an unknown id. */
export async function revokeTechnicianCard(
  db: Kysely<HubDatabase>,
  id: string,
  actor: string,
  now: number,
): Promise<CardSummary> {
  const card = await db.selectFrom('technician_cards').select('id').where('id', '=', id).executeTakeFirst();
  if (card === undefined) throw new HubError('NOT_FOUND', `no technician card ${id}`);
  const updated = await db
    .updateTable('technician_cards')
    .set({ revoked_at: now, revoked_by: actor })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (updated.numUpdatedRows > 0n) {
    await audit(db, { at: now, actor, action: 'technician-card.revoke', subject: id });
  }
  const [summary] = await listTechnicianCards(db, { id });
  return summary!;
}

/** Every card (or one), newest first, with its holder's login and role. */
export async function listTechnicianCards(
  db: Kysely<HubDatabase>,
  filter: { id?: string } = {},
): Promise<CardSummary[]> {
  let query = db
    .selectFrom('technician_cards as c')
    .innerJoin('console_users as u', 'u.id', 'c.user_id')
    .select(['c.id', 'c.user_id', 'u.login', 'u.role', 'c.comune_istat', 'c.issued_at', 'c.expires_at', 'c.revoked_at'])
    .orderBy('c.issued_at', 'desc')
    .orderBy('c.id', 'desc');
  if (filter.id !== undefined) query = query.where('c.id', '=', filter.id);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    login: r.login,
    role: r.role,
    comune: r.comune_istat,
    issuedAt: iso(Number(r.issued_at)),
    expiresAt: iso(Number(r.expires_at)),
    revokedAt: r.revoked_at === null ? null : iso(Number(r.revoked_at)),
  }));
}

/** Ids of the comune's revoked cards that have not expired yet: what every pull carries. */
export async function revokedCardIds(db: Kysely<HubDatabase>, comune: string, now: number): Promise<string[]> {
  const rows = await db
    .selectFrom('technician_cards')
    .select('id')
    .where('comune_istat', '=', comune)
    .where('revoked_at', 'is not', null)
    .where('expires_at', '>', now)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}
