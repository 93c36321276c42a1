/**
 * Console sign-in: password check with lockout, sessions as random tokens
 * (stored as their SHA-256, so two hubs on one database share them and a dump
 * holds no usable token), idle and absolute expiry, and a CSRF token bound to
 * the session.
 *
 * The CSRF token is a hash of the session token under its own label: the
 * browser gets it in the login answer and from GET /session, sends it back in
 * a header, and nothing but the cookie's owner can compute it (the database
 * holds a different hash of the token).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { audit } from '../db/comuni';
import { takeRateLimit } from '../db/guard';
import type { HubDb } from '../db/open';
import type { ConsoleRole } from '../db/schema';
import {
  deleteSession,
  insertSession,
  recordLoginFailure,
  recordLoginSuccess,
  sessionByTokenHash,
  touchSession,
  userByLogin,
} from '../db/users';
import type { Lockout } from '../db/users';
import { decoyHash, verifyPassword } from './password';

export type SessionPolicy = {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after sign-in, however active. */
  absoluteMs: number;
  lockout: Lockout;
  /** Login attempts per login name per window, whatever their outcome (guessing across many names is the proxy's job). */
  attempts: { max: number; windowMs: number };
};

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  idleMs: 30 * 60_000,
  absoluteMs: 12 * 60 * 60_000,
  lockout: { maxFailures: 5, lockMs: 15 * 60_000 },
  attempts: { max: 10, windowMs: 15 * 60_000 },
};

/** last_seen_at is written at most this often, so reading the dashboard is not a write per request. */
const TOUCH_EVERY_MS = 60_000;

export type ConsoleUser = { id: string; login: string; role: ConsoleRole };

export type LoginOutcome =
  | { ok: true; user: ConsoleUser; token: string; csrfToken: string }
  | { ok: false; code: 'LOGIN_FAILED' }
  | { ok: false; code: 'LOGIN_THROTTLED'; retryAfterMs: number };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
export const tokenHash = (token: string) => sha256(`session:${token}`);
export const csrfTokenFor = (token: string) => createHash('sha256').update(`csrf:${token}`).digest('base64url');

/** Whether `sent` is the CSRF token of the session `token`; constant time. */
export function csrfMatches(token: string, sent: string): boolean {
  const expected = Buffer.from(csrfTokenFor(token));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Checks a login and opens a session. A wrong password, an unknown login, a
 * disabled or locked account all answer LOGIN_FAILED (after the same scrypt
 * work), except that too many attempts on one login name answer
 * LOGIN_THROTTLED.
 */
export async function login(
  hubDb: HubDb,
  input: { login: string; password: string },
  policy: SessionPolicy,
  now: () => number,
): Promise<LoginOutcome> {
  const name = input.login.trim().toLowerCase().slice(0, 64);
  const throttled = await hubDb.write((db) => takeRateLimit(db, `console-login:${name}`, policy.attempts, now()));
  if (!throttled.ok) return { ok: false, code: 'LOGIN_THROTTLED', retryAfterMs: throttled.retryAfterMs };

  const user = await userByLogin(hubDb.db, name);
  const matches = await verifyPassword(input.password, user?.password_hash ?? (await decoyHash()));
  const at = now();
  if (user === undefined) {
    await hubDb.write((db) => audit(db, { at, actor: 'console', action: 'console.login-failed', subject: 'unknown' }));
    return { ok: false, code: 'LOGIN_FAILED' };
  }
  const locked = user.locked_until !== null && user.locked_until > at;
  if (!matches || locked || user.disabled_at !== null) {
    await hubDb.write(async (db) => {
      if (!matches) await recordLoginFailure(db, user.id, policy.lockout, at);
      await audit(db, {
        at,
        actor: `console:${user.id}`,
        action: 'console.login-failed',
        subject: user.id,
        detail: { reason: !matches ? 'password' : locked ? 'locked' : 'disabled' },
      });
    });
    return { ok: false, code: 'LOGIN_FAILED' };
  }
  const token = randomBytes(32).toString('base64url');
  await hubDb.write(async (db) => {
    await recordLoginSuccess(db, user.id);
    await insertSession(db, { tokenHash: tokenHash(token), userId: user.id, expiresAt: at + policy.absoluteMs }, at);
    await audit(db, { at, actor: `console:${user.id}`, action: 'console.login', subject: user.id });
  });
  return { ok: true, user: { id: user.id, login: user.login, role: user.role }, token, csrfToken: csrfTokenFor(token) };
}

/** The user of a live session token, or null (unknown, expired, idle too long, user disabled). */
export async function sessionUser(
  hubDb: HubDb,
  token: string,
  policy: SessionPolicy,
  now: () => number,
): Promise<ConsoleUser | null> {
  const hash = tokenHash(token);
  const row = await sessionByTokenHash(hubDb.db, hash);
  const at = now();
  if (row === undefined) return null;
  if (row.expires_at <= at || row.last_seen_at + policy.idleMs <= at || row.disabled_at !== null) {
    await hubDb.write((db) => deleteSession(db, hash));
    return null;
  }
  if (at - row.last_seen_at >= TOUCH_EVERY_MS) await hubDb.write((db) => touchSession(db, hash, at));
  return { id: row.user_id, login: row.login, role: row.role };
}

/** Ends a session (logout); audit-logged. */
export async function logout(hubDb: HubDb, token: string, user: ConsoleUser, now: () => number): Promise<void> {
  await hubDb.write(async (db) => {
    await deleteSession(db, tokenHash(token));
    await audit(db, { at: now(), actor: `console:${user.id}`, action: 'console.logout', subject: user.id });
  });
}
