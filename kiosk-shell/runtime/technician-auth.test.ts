import { describe, expect, it } from 'vitest';
import {
  MAX_TRIES,
  NO_LOCKOUT,
  afterWrongPin,
  createSessions,
  hashPin,
  isLocked,
  lockoutDelayMs,
  parseLockout,
  verifyPin,
} from './technician-auth';

describe('PIN hashes', () => {
  it('verifies the PIN it hashed and nothing else, with a fresh salt each time', () => {
    const hash = hashPin('2468');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(hash).not.toContain('2468');
    expect(verifyPin('2468', hash)).toBe(true);
    expect(verifyPin('2469', hash)).toBe(false);
    expect(hashPin('2468')).not.toBe(hash);
  });

  it('refuses malformed hashes and parameters that would exhaust the kiosk', () => {
    expect(verifyPin('2468', 'plain-2468')).toBe(false);
    expect(verifyPin('2468', hashPin('2468').replace('$16384$', '$1048576$'))).toBe(false);
  });
});

describe('lockout', () => {
  it('locks after five wrong tries, for 30 s, then twice as long each time', () => {
    let state = NO_LOCKOUT;
    const t0 = 1_000_000;
    for (let i = 1; i < MAX_TRIES; i++) {
      state = afterWrongPin(state, t0);
      expect(isLocked(state, t0)).toBe(false);
    }
    state = afterWrongPin(state, t0);
    expect(state).toEqual({ failures: 0, lockouts: 1, lockedUntil: t0 + 30_000 });
    expect(isLocked(state, t0 + 29_999)).toBe(true);
    expect(isLocked(state, t0 + 30_000)).toBe(false);
    for (let i = 0; i < MAX_TRIES; i++) state = afterWrongPin(state, t0 + 30_000);
    expect(state.lockedUntil).toBe(t0 + 30_000 + 60_000);
    expect(lockoutDelayMs(3)).toBe(120_000);
    expect(lockoutDelayMs(20)).toBe(3_600_000);
  });

  it('reads its persisted form, and a damaged one does not unlock more tries', () => {
    expect(parseLockout(JSON.stringify({ failures: 3, lockouts: 2, lockedUntil: 5 }))).toEqual({
      failures: 3,
      lockouts: 2,
      lockedUntil: 5,
    });
    expect(parseLockout(null)).toEqual(NO_LOCKOUT);
    expect(parseLockout('{broken').lockouts).toBe(1);
  });
});

describe('technician sessions', () => {
  it('ends a session after the idle timeout, and each use restarts it', () => {
    let now = 0;
    const sessions = createSessions({ idleTimeoutMs: 1000, now: () => now });
    const token = sessions.open('pin');
    now = 999;
    expect(sessions.use(token)).toBe('pin');
    now = 1998;
    expect(sessions.use(token)).toBe('pin');
    now = 2998;
    expect(sessions.use(token)).toBeNull();
    expect(sessions.use('unknown')).toBeNull();
  });
});
