/**
 * Console users and their sessions. Passwords arrive here already hashed
 * (../auth/password); session tokens arrive as their SHA-256. Nothing here
 * keeps a secret a database dump would give away.
 */
import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { HubError } from '../errors';
import { audit } from './comuni';
import { CONSOLE_ROLES } from './schema';
import type { ConsoleRole, ConsoleUserTable, HubDatabase } from './schema';

/** A login name: lowercase letters, digits, dots, dashes, underscores; 3 to 64 characters. */
export const LoginSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, 'login: 3-64 of a-z 0-9 . _ -, starting with a letter or digit');
export const RoleSchema = z.enum(CONSOLE_ROLES);

export type UserSummary = {
  id: string;
  login: string;
  role: ConsoleRole;
  createdAt: string;
  disabledAt: string | null;
  lockedUntil: string | null;
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function summary(row: ConsoleUserTable): UserSummary {
  return {
    id: row.id,
    login: row.login,
    role: row.role,
    createdAt: iso(row.created_at)!,
    disabledAt: iso(row.disabled_at),
    lockedUntil: iso(row.locked_until),
  };
}

/** Adds a console user; ALREADY_EXISTS when the login is taken. Returns its id. */
export async function insertUser(
  db: Kysely<HubDatabase>,
  input: { login: string; role: ConsoleRole; passwordHash: string; actor: string },
  now: number,
): Promise<string> {
  const login = LoginSchema.safeParse(input.login);
  if (!login.success) throw new HubError('INVALID_INPUT', login.error.issues.map((i) => i.message).join('; '));
  const role = RoleSchema.safeParse(input.role);
  if (!role.success) throw new HubError('INVALID_INPUT', `role must be one of ${CONSOLE_ROLES.join(', ')}`);
  const id = uuidv7({ msecs: now });
  const inserted = await db
    .insertInto('console_users')
    .values({
      id,
      login: login.data,
      role: role.data,
      password_hash: input.passwordHash,
      created_at: now,
      updated_at: now,
      disabled_at: null,
      failed_logins: 0,
      locked_until: null,
    })
    .onConflict((oc) => oc.column('login').doNothing())
    .executeTakeFirst();
  if ((inserted.numInsertedOrUpdatedRows ?? 0n) === 0n) {
    throw new HubError('ALREADY_EXISTS', `a console user ${login.data} exists already`);
  }
  await audit(db, {
    at: now,
    actor: input.actor,
    action: 'console-user.create',
    subject: id,
    detail: { role: role.data },
  });
  return id;
}

export async function userByLogin(db: Kysely<HubDatabase>, login: string): Promise<ConsoleUserTable | undefined> {
  return db.selectFrom('console_users').selectAll().where('login', '=', login.trim().toLowerCase()).executeTakeFirst();
}

export async function listUsers(db: Kysely<HubDatabase>): Promise<UserSummary[]> {
  const rows = await db.selectFrom('console_users').selectAll().orderBy('login').execute();
  return rows.map(summary);
}

export async function countUsers(db: Kysely<HubDatabase>): Promise<number> {
  const row = await db
    .selectFrom('console_users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export type Lockout = { maxFailures: number; lockMs: number };

/**
 * Counts a failed login; the `maxFailures`-th in a row locks the account for
 * `lockMs`. Returns the lock's end, or null.
 */
export async function recordLoginFailure(
  db: Kysely<HubDatabase>,
  userId: string,
  lockout: Lockout,
  now: number,
): Promise<number | null> {
  const row = await db
    .updateTable('console_users')
    .set((eb) => ({ failed_logins: eb('failed_logins', '+', 1) }))
    .where('id', '=', userId)
    .returning(['failed_logins'])
    .executeTakeFirst();
  if (row === undefined || row.failed_logins < lockout.maxFailures) return null;
  const lockedUntil = now + lockout.lockMs;
  await db
    .updateTable('console_users')
    .set({ locked_until: lockedUntil, failed_logins: 0 })
    .where('id', '=', userId)
    .execute();
  await audit(db, { at: now, actor: 'console', action: 'console-user.lock', subject: userId, detail: { lockedUntil } });
  return lockedUntil;
}

export async function recordLoginSuccess(db: Kysely<HubDatabase>, userId: string): Promise<void> {
  await db
    .updateTable('console_users')
    .set({ failed_logins: 0, locked_until: null })
    .where('id', '=', userId)
    .execute();
}

export async function insertSession(
  db: Kysely<HubDatabase>,
  input: { tokenHash: string; userId: string; expiresAt: number },
  now: number,
): Promise<void> {
  await db
    .insertInto('console_sessions')
    .values({
      token_hash: input.tokenHash,
      user_id: input.userId,
      created_at: now,
      last_seen_at: now,
      expires_at: input.expiresAt,
    })
    .execute();
}

export type SessionRow = {
  token_hash: string;
  user_id: string;
  last_seen_at: number;
  expires_at: number;
  login: string;
  role: ConsoleRole;
  disabled_at: number | null;
};

export async function sessionByTokenHash(db: Kysely<HubDatabase>, tokenHash: string): Promise<SessionRow | undefined> {
  return db
    .selectFrom('console_sessions as s')
    .innerJoin('console_users as u', 'u.id', 's.user_id')
    .select(['s.token_hash', 's.user_id', 's.last_seen_at', 's.expires_at', 'u.login', 'u.role', 'u.disabled_at'])
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function touchSession(db: Kysely<HubDatabase>, tokenHash: string, now: number): Promise<void> {
  await db.updateTable('console_sessions').set({ last_seen_at: now }).where('token_hash', '=', tokenHash).execute();
}

export async function deleteSession(db: Kysely<HubDatabase>, tokenHash: string): Promise<boolean> {
  const result = await db.deleteFrom('console_sessions').where('token_hash', '=', tokenHash).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Deletes sessions past their absolute end or idle longer than `idleMs`. */
export async function purgeSessions(db: Kysely<HubDatabase>, idleMs: number, now: number): Promise<number> {
  const result = await db
    .deleteFrom('console_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', now - idleMs)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
