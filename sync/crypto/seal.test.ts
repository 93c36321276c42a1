import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { describe, expect, it } from 'vitest';
import { MAX_SEALED_BYTES, SealedSchema } from '../protocol';
import { fromBase64url, toBase64url } from './base64url';
import { CryptoError } from './errors';
import { decodeX25519PrivateKey, encodePublicKey } from './keys';
import {
  ENVELOPE_OVERHEAD_BYTES,
  ENVELOPE_VERSION,
  SEAL_INFO,
  envelopeRecipient,
  generateHubKeys,
  importHubKeys,
  open,
  recipientKeyIdFor,
  seal,
} from './seal';

const hubKeys = generateHubKeys();
const submissionId = '0195512a-3c00-7000-8000-000000000001';
const personal = new TextEncoder().encode(JSON.stringify({ codiceFiscale: 'RSSMRA80A01E463X', note: 'è urgente' }));

/**
 * The envelope with its recipient hint rewritten to match `privateKey`, so an
 * attempt with that key gets past the hint and HPKE itself has to refuse.
 */
function retarget(envelope: Uint8Array, privateKey: string): Uint8Array {
  const copy = envelope.slice();
  const hint = recipientKeyIdFor(encodePublicKey(decodeX25519PrivateKey(privateKey), 'x25519'));
  copy.set(fromBase64url(hint, 8), 1);
  return copy;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  throw new Error('expected a CryptoError');
}

describe('sealing personal data to the hub', () => {
  it('opens with the hub private key and the same submission id', async () => {
    const envelope = await seal(hubKeys.encryption.publicKey, personal, submissionId);
    expect(envelope[0]).toBe(ENVELOPE_VERSION);
    expect(envelope.byteLength).toBe(personal.byteLength + ENVELOPE_OVERHEAD_BYTES);
    expect(await open(hubKeys.encryption.privateKey, envelope, submissionId)).toEqual(personal);
  });

  it('seals the same data differently every time (fresh ephemeral key)', async () => {
    const a = await seal(hubKeys.encryption.publicKey, personal, submissionId);
    const b = await seal(hubKeys.encryption.publicKey, personal, submissionId);
    expect(toBase64url(a)).not.toBe(toBase64url(b));
  });

  it('seals and opens empty data', async () => {
    const envelope = await seal(hubKeys.encryption.publicKey, new Uint8Array(0), submissionId);
    expect(await open(hubKeys.encryption.privateKey, envelope, submissionId)).toEqual(new Uint8Array(0));
  });

  it('does not open with another hub key', async () => {
    const envelope = await seal(hubKeys.encryption.publicKey, personal, submissionId);
    const other = generateHubKeys().encryption.privateKey;
    expect(await codeOf(open(other, envelope, submissionId))).toBe('OPEN_FAILED');
    expect(await codeOf(open(other, retarget(envelope, other), submissionId))).toBe('OPEN_FAILED');
  });

  it('does not open under another submission id (AAD)', async () => {
    const envelope = await seal(hubKeys.encryption.publicKey, personal, submissionId);
    const other = '0195512a-3c00-7000-8000-000000000002';
    expect(await codeOf(open(hubKeys.encryption.privateKey, envelope, other))).toBe('OPEN_FAILED');
  });

  it('does not open once any byte is flipped or the envelope is cut', async () => {
    const envelope = await seal(hubKeys.encryption.publicKey, personal, submissionId);
    for (let i = 0; i < envelope.byteLength; i++) {
      const flipped = envelope.slice();
      flipped[i]! ^= 0x01;
      const expected = i === 0 ? 'ENVELOPE_INVALID' : 'OPEN_FAILED';
      expect(await codeOf(open(hubKeys.encryption.privateKey, flipped, submissionId)), `byte ${i}`).toBe(expected);
    }
    const cut = envelope.subarray(0, envelope.byteLength - 1);
    expect(await codeOf(open(hubKeys.encryption.privateKey, cut, submissionId))).toBe('OPEN_FAILED');
    const stub = envelope.subarray(0, ENVELOPE_OVERHEAD_BYTES - 1);
    expect(await codeOf(open(hubKeys.encryption.privateKey, stub, submissionId))).toBe('ENVELOPE_INVALID');
  });

  it('cannot be opened by the kiosk, which holds only the public key', async () => {
    const envelope = await seal(hubKeys.encryption.publicKey, personal, submissionId);
    // The only key material about the hub a kiosk has, tried as if it were a private key.
    for (const guess of [hubKeys.encryption.publicKey, hubKeys.signing.publicKey]) {
      expect(await codeOf(open(guess, envelope, submissionId))).toBe('OPEN_FAILED');
      expect(await codeOf(open(guess, retarget(envelope, guess), submissionId))).toBe('OPEN_FAILED');
    }
  });

  it('names the key it was sealed to, so the hub can check it without decrypting', async () => {
    const envelope = await seal(hubKeys.encryption.publicKey, personal, submissionId);
    expect(envelopeRecipient(envelope)).toBe(recipientKeyIdFor(hubKeys.encryption.publicKey));
    expect(envelopeRecipient(envelope)).not.toBe(recipientKeyIdFor(generateHubKeys().encryption.publicKey));
    expect(() => envelopeRecipient(envelope.subarray(0, 10))).toThrow(CryptoError);
  });

  it('refuses a malformed hub key', async () => {
    expect(await codeOf(seal('not-a-key', personal, submissionId))).toBe('ENCODING_INVALID');
  });

  it('is plain RFC 9180: the documented layout opens with @hpke/core alone', async () => {
    const envelope = await seal(hubKeys.encryption.publicKey, personal, submissionId);
    const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
    const plaintext = await suite.open(
      {
        recipientKey: await suite.kem.deserializePrivateKey(fromBase64url(hubKeys.encryption.privateKey)),
        enc: envelope.slice(9, 41),
        info: new TextEncoder().encode(SEAL_INFO),
      },
      envelope.slice(41),
      new TextEncoder().encode(submissionId),
    );
    expect(new Uint8Array(plaintext)).toEqual(personal);
  });

  it('fits the smallest and the largest allowed envelope in the protocol sealed field, and no more', async () => {
    const empty = await seal(hubKeys.encryption.publicKey, new Uint8Array(0), submissionId);
    expect(SealedSchema.safeParse(toBase64url(empty)).success).toBe(true);
    expect(SealedSchema.safeParse(toBase64url(empty.subarray(1))).success).toBe(false);
    const largest = new Uint8Array(MAX_SEALED_BYTES - ENVELOPE_OVERHEAD_BYTES).fill(0x41);
    const fits = await seal(hubKeys.encryption.publicKey, largest, submissionId);
    expect(SealedSchema.safeParse(toBase64url(fits)).success).toBe(true);
    const tooBig = await seal(hubKeys.encryption.publicKey, new Uint8Array(largest.byteLength + 1), submissionId);
    expect(SealedSchema.safeParse(toBase64url(tooBig)).success).toBe(false);
  });
});

describe('hub keys', () => {
  it('are four distinct 32-byte raw keys in base64url', () => {
    const all = [
      hubKeys.encryption.publicKey,
      hubKeys.encryption.privateKey,
      hubKeys.signing.publicKey,
      hubKeys.signing.privateKey,
    ];
    for (const key of all) expect(fromBase64url(key, 32).byteLength).toBe(32);
    expect(new Set(all).size).toBe(4);
  });

  it('are rebuilt from the two stored private keys', async () => {
    const imported = importHubKeys({
      encryption: hubKeys.encryption.privateKey,
      signing: hubKeys.signing.privateKey,
    });
    expect(imported).toEqual(hubKeys);
    const envelope = await seal(imported.encryption.publicKey, personal, submissionId);
    expect(await open(hubKeys.encryption.privateKey, envelope, submissionId)).toEqual(personal);
  });
});
