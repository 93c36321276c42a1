import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openPickup, sealForPickup } from './pickup';

const secret = randomBytes(24).toString('base64url');
const doc = new TextEncoder().encode('CERTIFICATO DI RESIDENZA ... verifica: V-7KQ3');

describe('pickup envelopes', () => {
  it('open with the secret and the document id they were sealed with', () => {
    const envelope = sealForPickup(secret, 'doc-1', doc);
    expect(Buffer.from(openPickup(secret, 'doc-1', envelope)).toString()).toBe(Buffer.from(doc).toString());
    expect(Buffer.from(envelope).includes(Buffer.from('RESIDENZA'))).toBe(false);
  });

  it('refuse another secret, another document id, and a flipped byte', () => {
    const envelope = sealForPickup(secret, 'doc-1', doc);
    const other = randomBytes(24).toString('base64url');
    expect(() => openPickup(other, 'doc-1', envelope)).toThrow(expect.objectContaining({ code: 'OPEN_FAILED' }));
    expect(() => openPickup(secret, 'doc-2', envelope)).toThrow(expect.objectContaining({ code: 'OPEN_FAILED' }));
    const tampered = Buffer.from(envelope);
    tampered[20] = (tampered[20] ?? 0) ^ 1;
    expect(() => openPickup(secret, 'doc-1', tampered)).toThrow(expect.objectContaining({ code: 'OPEN_FAILED' }));
    expect(() => openPickup(secret, 'doc-1', tampered.subarray(0, 10))).toThrow(
      expect.objectContaining({ code: 'ENVELOPE_INVALID' }),
    );
    expect(() => openPickup('short', 'doc-1', envelope)).toThrow(expect.objectContaining({ code: 'ENCODING_INVALID' }));
  });
});
