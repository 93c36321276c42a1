import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffCeiling, backoffDelay } from './backoff';

const policy = { baseMs: 1_000, capMs: 60_000 };

describe('backoff', () => {
  it('doubles the ceiling with each attempt until the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffCeiling(n, policy))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]);
  });

  it('waits random() times the ceiling: full jitter', () => {
    expect(backoffDelay(3, () => 0.5, policy)).toBe(4_000);
    expect(backoffDelay(3, () => 0.25, policy)).toBe(2_000);
    expect(backoffDelay(10, () => 0.5, policy)).toBe(30_000);
  });

  it('may retry at once (random 0) and never reaches the ceiling itself', () => {
    expect(backoffDelay(5, () => 0, policy)).toBe(0);
    expect(backoffDelay(5, () => 1 - Number.EPSILON, policy)).toBe(31_999);
  });

  it('stays at the cap for attempts far beyond where 2^n overflows', () => {
    expect(backoffCeiling(10_000, policy)).toBe(60_000);
    expect(backoffDelay(1_000_000, () => 0.5, DEFAULT_BACKOFF)).toBe(DEFAULT_BACKOFF.capMs / 2);
  });

  it('refuses a random() outside [0, 1) and a negative or fractional attempt', () => {
    expect(() => backoffDelay(0, () => 1, policy)).toThrow(RangeError);
    expect(() => backoffDelay(0, () => -0.1, policy)).toThrow(RangeError);
    expect(() => backoffDelay(0, () => Number.NaN, policy)).toThrow(RangeError);
    expect(() => backoffCeiling(-1, policy)).toThrow(RangeError);
    expect(() => backoffCeiling(1.5, policy)).toThrow(RangeError);
    expect(() => backoffCeiling(0, { baseMs: 10, capMs: 5 })).toThrow(RangeError);
  });

  it('always waits within [0, min(cap, base·2^n)) for any attempt and random', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        (attempt, r, baseMs, factor) => {
          const p = { baseMs, capMs: baseMs * factor };
          const delay = backoffDelay(attempt, () => r, p);
          const ceiling = Math.min(p.capMs, baseMs * 2 ** attempt);
          return Number.isInteger(delay) && delay >= 0 && delay < ceiling && delay <= p.capMs;
        },
      ),
    );
  });
});
