import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TechnicianCardPayload } from '../protocol/technician-card';
import { MAX_TECHNICIAN_CARD_CHARS } from '../protocol/technician-card';
import { toBase64url } from './base64url';
import { createEd25519Signer } from './keys';
import { signTechnicianCard, technicianCardText, verifyTechnicianCard } from './technician-card';

const NOW = Date.UTC(2026, 10, 27, 22, 0);
const hub = createEd25519Signer(generateKeyPairSync('ed25519').privateKey);
const other = createEd25519Signer(generateKeyPairSync('ed25519').privateKey);

function payload(over: Partial<TechnicianCardPayload> = {}): TechnicianCardPayload {
  return {
    v: 1,
    id: '019ac6f0-0000-7000-8000-000000000001',
    sub: '019ac6f0-0000-7000-8000-0000000000aa',
    login: 'mario.tecnico',
    comune: '011011',
    iat: Math.floor(NOW / 1000) - 60,
    exp: Math.floor(NOW / 1000) + 365 * 86_400,
    ...over,
  };
}

function check(token: string, over: { comune?: string; now?: number; revoked?: string[]; key?: string } = {}) {
  return verifyTechnicianCard(token, {
    hubPublicKey: over.key ?? hub.publicKey,
    comune: over.comune ?? '011011',
    now: over.now ?? NOW,
    isRevoked: (id) => (over.revoked ?? []).includes(id),
  });
}

describe('technician cards', () => {
  it('accepts a card the hub signed for this comune, and gives back its payload', () => {
    const result = check(signTechnicianCard(payload(), hub));
    expect(result).toEqual({ ok: true, card: payload() });
  });

  it('fits the card text, with the longest login, in the scanner line limit', () => {
    const text = technicianCardText(signTechnicianCard(payload({ login: `a${'b'.repeat(63)}` }), hub));
    expect(text.startsWith('SPORTELLO-TECH:1:')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(MAX_TECHNICIAN_CARD_CHARS);
  });

  it('refuses a card signed by another key as forged', () => {
    expect(check(signTechnicianCard(payload(), other))).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuses a card whose payload was changed after signing as forged', () => {
    const [, signature] = signTechnicianCard(payload(), hub).split('.');
    const changed = toBase64url(Buffer.from(JSON.stringify(payload({ login: 'intruso' }))));
    expect(check(`${changed}.${signature}`)).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuses an expired card, and one issued more than a day ahead', () => {
    const token = signTechnicianCard(payload({ exp: Math.floor(NOW / 1000) }), hub);
    expect(check(token)).toEqual({ ok: false, reason: 'expired' });
    const future = signTechnicianCard(payload({ iat: Math.floor(NOW / 1000) + 2 * 86_400 }), hub);
    expect(check(future)).toEqual({ ok: false, reason: 'expired' });
  });

  it("refuses another comune's card", () => {
    expect(check(signTechnicianCard(payload(), hub), { comune: '011012' })).toEqual({
      ok: false,
      reason: 'other-comune',
    });
  });

  it('refuses a revoked card', () => {
    const token = signTechnicianCard(payload(), hub);
    expect(check(token, { revoked: [payload().id] })).toEqual({ ok: false, reason: 'revoked' });
    expect(check(token, { revoked: ['019ac6f0-0000-7000-8000-000000000002'] }).ok).toBe(true);
  });

  it('refuses text that is not a token as malformed', () => {
    for (const token of [
      '',
      'abc',
      'a.b',
      `${'A'.repeat(60)}.${'B'.repeat(85)}`,
      `${'!'.repeat(60)}.${'B'.repeat(86)}`,
    ]) {
      expect(check(token)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('refuses a signed payload outside the schema as malformed', () => {
    const body = toBase64url(Buffer.from(JSON.stringify({ ...payload(), extra: 1 })));
    const signature = toBase64url(hub.sign(Buffer.from(`sportello-technician-card-v1\n${body}`)));
    expect(check(`${body}.${signature}`)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('does not sign a payload outside the schema', () => {
    expect(() => signTechnicianCard(payload({ login: 'Mario Rossi' }), hub)).toThrow();
  });
});
