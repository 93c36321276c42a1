/**
 * Technician authentication: PIN hashes (scrypt), the lockout policy after
 * wrong tries, and in-memory sessions with an idle timeout. Time and
 * randomness are injected so the policy is tested with a fake clock.
 *
 * A PIN is never logged, stored in clear, shown or read aloud: only its hash
 * is kept, and only the lockout counters (no attempt values) persist.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

const SCRYPT = { N: 16_384, r: 8, p: 1, keyLen: 32 } as const;

/** `scrypt$N$r$p$salt$hash` (salt and hash base64url): what config and store keep. */
export function hashPin(pin: string, salt: Buffer = randomBytes(16)): string {
  const hash = scryptSync(pin, salt, SCRYPT.keyLen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export const PIN_HASH_PATTERN = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/;

/** Compares a PIN with a stored hash in constant time; a malformed hash matches nothing. */
export function verifyPin(pin: string, stored: string): boolean {
  if (!PIN_HASH_PATTERN.test(stored)) return false;
  const [, n, r, p, salt, hash] = stored.split('$') as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const N = Number(n);
  // Refuse parameters that would make one check eat the kiosk's memory or time.
  if (N > 2 ** 17 || Number(r) > 16 || Number(p) > 4 || expected.length < 16) return false;
  const actual = scryptSync(pin, Buffer.from(salt, 'base64url'), expected.length, {
    N,
    r: Number(r),
    p: Number(p),
    maxmem: 256 * 1024 * 1024,
  });
  return timingSafeEqual(actual, expected);
}

// ── lockout ─────────────────────────────────────────────────────────────────

export const MAX_TRIES = 5;
const FIRST_LOCKOUT_MS = 30_000;
const MAX_LOCKOUT_MS = 60 * 60_000;

export type LockoutState = {
  /** Wrong tries since the last good one or the last lockout. */
  failures: number;
  /** Lockouts since the last good PIN: each one lasts twice the one before. */
  lockouts: number;
  /** Epoch ms until which no PIN is checked; null when not locked. */
  lockedUntil: number | null;
};

export const NO_LOCKOUT: LockoutState = { failures: 0, lockouts: 0, lockedUntil: null };

/** 30 s, 60 s, 2 min, … capped at one hour. */
export function lockoutDelayMs(lockouts: number): number {
  return Math.min(FIRST_LOCKOUT_MS * 2 ** Math.max(0, lockouts - 1), MAX_LOCKOUT_MS);
}

export function isLocked(state: LockoutState, now: number): boolean {
  return state.lockedUntil !== null && now < state.lockedUntil;
}

/** The state after a wrong PIN: the MAX_TRIES-th one starts a lockout that grows each time. */
export function afterWrongPin(state: LockoutState, now: number): LockoutState {
  const failures = state.failures + 1;
  if (failures < MAX_TRIES) return { ...state, failures };
  const lockouts = state.lockouts + 1;
  return { failures: 0, lockouts, lockedUntil: now + lockoutDelayMs(lockouts) };
}

export function parseLockout(text: string | null): LockoutState {
  if (text === null) return NO_LOCKOUT;
  try {
    const v = JSON.parse(text) as Partial<LockoutState>;
    return {
      failures: Number.isInteger(v.failures) ? (v.failures as number) : 0,
      lockouts: Number.isInteger(v.lockouts) ? (v.lockouts as number) : 0,
      lockedUntil: typeof v.lockedUntil === 'number' ? v.lockedUntil : null,
    };
  } catch {
    // A damaged counter must not unlock: treat it as one more lockout from now.
    return { failures: 0, lockouts: 1, lockedUntil: null };
  }
}

// ── sessions ────────────────────────────────────────────────────────────────

export type TechnicianSessions = {
  /** Opens a session for `actor` (e.g. 'pin'); returns its token. */
  open(actor: string): string;
  /** The actor of a live session, refreshing its idle timer; null when unknown or timed out. */
  use(token: string): string | null;
  close(token: string): void;
};

export function createSessions(opts: {
  idleTimeoutMs: number;
  now: () => number;
  random?: (size: number) => Buffer;
}): TechnicianSessions {
  const sessions = new Map<string, { actor: string; lastUsed: number }>();
  const random = opts.random ?? randomBytes;
  return {
    open(actor) {
      const token = random(32).toString('base64url');
      sessions.set(token, { actor, lastUsed: opts.now() });
      return token;
    },
    use(token) {
      const s = sessions.get(token);
      if (!s) return null;
      const now = opts.now();
      if (now - s.lastUsed >= opts.idleTimeoutMs) {
        sessions.delete(token);
        return null;
      }
      s.lastUsed = now;
      return s.actor;
    },
    close(token) {
      sessions.delete(token);
    },
  };
}
