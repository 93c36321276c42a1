import { describe, expect, it } from 'vitest';
import { classifyScan } from './scanner';
import { maskScan } from './service';
import { parseTechnicianCard } from './technician-card';

const TOKEN = `${'eyJ2IjoxLCJpZCI6'.repeat(10)}.${'S'.repeat(85)}A`;

describe('technician card parser', () => {
  it('recognises a card and keeps its token', () => {
    expect(parseTechnicianCard(`SPORTELLO-TECH:1:${TOKEN}`)).toEqual({ ok: true, value: { version: 1, token: TOKEN } });
  });

  it('names the wrong part, never the value', () => {
    expect(parseTechnicianCard(`SPORTELLO-TECH:2:${TOKEN}`)).toEqual({
      ok: false,
      reason: 'card-invalid',
      detail: 'version',
    });
    expect(parseTechnicianCard('SPORTELLO-TECH:1:not a token')).toEqual({
      ok: false,
      reason: 'card-invalid',
      detail: 'token',
    });
    expect(parseTechnicianCard(`SPORTELLO-TECH:1:${'A'.repeat(500)}`)).toMatchObject({ detail: 'length' });
  });

  it('is told apart from receipts and codici fiscali by the scanner', () => {
    expect(classifyScan(`SPORTELLO-TECH:1:${TOKEN}\r`)).toEqual({
      ok: true,
      value: { kind: 'technicianCard', token: TOKEN },
    });
    expect(classifyScan('SPORTELLO:1:K7-2024-000123')).toMatchObject({ ok: true, value: { kind: 'receiptQr' } });
    expect(classifyScan('SPORTELLO-TECH:1:broken')).toEqual({ ok: false, reason: 'card-invalid', detail: 'token' });
  });

  it('shows a technician only that a card was read', () => {
    const masked = maskScan({ kind: 'technicianCard', token: TOKEN });
    expect(masked).toEqual({ kind: 'technicianCard', masked: { card: true } });
    expect(JSON.stringify(masked)).not.toContain(TOKEN.slice(0, 20));
  });
});
