import { describe, expect, it } from 'vitest';
import { csrfMatches, csrfTokenFor } from './sessions';
import { hashPassword, passwordProblem, verifyPassword } from './password';

const FAST = { N: 1024, r: 8, p: 1 };

describe('console passwords', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('una password lunga', FAST);
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('una password lunga', stored)).toBe(true);
    expect(await verifyPassword('una password lungA', stored)).toBe(false);
  });

  it('salts every hash, so equal passwords give different hashes', async () => {
    expect(await hashPassword('la stessa password', FAST)).not.toBe(await hashPassword('la stessa password', FAST));
  });

  it('never matches a malformed or tampered hash', async () => {
    const stored = await hashPassword('una password lunga', FAST);
    expect(await verifyPassword('una password lunga', 'plain')).toBe(false);
    expect(await verifyPassword('una password lunga', stored.replace('$1024$', '$2048$'))).toBe(false);
    expect(await verifyPassword('una password lunga', `${stored}A`)).toBe(false);
  });

  it('asks for at least ten characters', () => {
    expect(passwordProblem('short')).toMatch(/10/);
    expect(passwordProblem('long enough!')).toBeNull();
  });
});

describe('CSRF tokens', () => {
  it('match only the session they were made for', () => {
    const a = 'A'.repeat(43);
    const b = 'B'.repeat(43);
    expect(csrfMatches(a, csrfTokenFor(a))).toBe(true);
    expect(csrfMatches(a, csrfTokenFor(b))).toBe(false);
    expect(csrfMatches(a, '')).toBe(false);
    expect(csrfMatches(a, `${csrfTokenFor(a)}x`)).toBe(false);
  });
});
