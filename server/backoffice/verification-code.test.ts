import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PickupContentSchema } from '../../sync/protocol';
import { makeVerificationCode, normalizeVerificationCode } from './verification-code';

describe('verification codes', () => {
  it('makes three groups of four Crockford characters that the pickup content accepts', () => {
    for (let i = 0; i < 200; i += 1) {
      const code = makeVerificationCode(randomBytes);
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
      expect(PickupContentSchema.shape.verificationCode.safeParse(code).success).toBe(true);
      expect(normalizeVerificationCode(code)).toBe(code);
    }
  });

  it('forgives lower case, O for zero, I or L for one, and missing or extra separators', () => {
    expect(normalizeVerificationCode('7kq2 m9xd 4hza')).toBe('7KQ2-M9XD-4HZA');
    expect(normalizeVerificationCode('O1LI-ABCD-EFGH')).toBe('0111-ABCD-EFGH');
    expect(normalizeVerificationCode('7KQ2M9XD4HZA')).toBe('7KQ2-M9XD-4HZA');
  });

  it('refuses a code of the wrong length or with a U', () => {
    expect(normalizeVerificationCode('7KQ2-M9XD')).toBeNull();
    expect(normalizeVerificationCode('7KQ2-M9XD-4HZU')).toBeNull();
    expect(normalizeVerificationCode('')).toBeNull();
  });
});
