import { describe, expect, it } from 'vitest';
import { formatProtocolNumber, protocolYear } from './requests';

describe('protocol numbers', () => {
  it('take the year of the comune’s calendar, not UTC’s', () => {
    expect(protocolYear(Date.parse('2026-12-31T22:59:59.999Z'))).toBe(2026);
    expect(protocolYear(Date.parse('2026-12-31T23:00:00.000Z'))).toBe(2027); // midnight in Rome (CET)
    expect(protocolYear(Date.parse('2027-06-30T21:59:59.000Z'))).toBe(2027);
  });

  it('read as codice catastale, year and a six-digit number', () => {
    expect(formatProtocolNumber('C240', 2026, 123)).toBe('C240-2026-000123');
    expect(formatProtocolNumber('C240', 2026, 1_234_567)).toBe('C240-2026-1234567');
  });
});
