import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromBase64url, toBase64url } from './base64url';
import { CryptoError } from './errors';
import {
  createEd25519Signer,
  decodeEd25519PrivateKey,
  decodeEd25519PublicKey,
  decodeX25519PrivateKey,
  decodeX25519PublicKey,
  encodePrivateKey,
  encodePublicKey,
  keyIdFor,
} from './keys';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  throw new Error('expected a CryptoError');
}

describe('raw keys in base64url', () => {
  it('round-trips an Ed25519 key pair through its 43-character raw form', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = encodePublicKey(publicKey, 'ed25519');
    const priv = encodePrivateKey(privateKey, 'ed25519');
    expect(pub).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(priv).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(encodePublicKey(decodeEd25519PublicKey(pub), 'ed25519')).toBe(pub);
    expect(encodePublicKey(decodeEd25519PrivateKey(priv), 'ed25519')).toBe(pub);
    expect(encodePublicKey(privateKey, 'ed25519')).toBe(pub);
  });

  it('round-trips an X25519 key pair through its raw form', () => {
    const { publicKey, privateKey } = generateKeyPairSync('x25519');
    const pub = encodePublicKey(publicKey, 'x25519');
    const priv = encodePrivateKey(privateKey, 'x25519');
    expect(decodeX25519PublicKey(pub).asymmetricKeyType).toBe('x25519');
    expect(encodePublicKey(decodeX25519PrivateKey(priv), 'x25519')).toBe(pub);
  });

  it('refuses keys of the wrong length or in a non-canonical spelling', () => {
    const pub = encodePublicKey(generateKeyPairSync('ed25519').publicKey, 'ed25519');
    expect(codeOf(() => decodeEd25519PublicKey(toBase64url(new Uint8Array(31))))).toBe('ENCODING_INVALID');
    expect(codeOf(() => decodeEd25519PublicKey(toBase64url(new Uint8Array(33))))).toBe('ENCODING_INVALID');
    expect(codeOf(() => decodeEd25519PublicKey(`${pub}=`))).toBe('ENCODING_INVALID');
    expect(codeOf(() => decodeEd25519PublicKey(`+${pub.slice(1)}`))).toBe('ENCODING_INVALID'); // base64, not base64url
    // The last character carries two padding bits; a set bit is another spelling of the same bytes.
    const raw = toBase64url(new Uint8Array(32).fill(7));
    const sloppy = raw.slice(0, -1) + String.fromCharCode(raw.charCodeAt(42) + 1);
    expect(Buffer.from(sloppy, 'base64url')).toEqual(Buffer.from(raw, 'base64url'));
    expect(codeOf(() => fromBase64url(sloppy, 32))).toBe('ENCODING_INVALID');
  });

  it('refuses a key of the other curve where one curve is expected', () => {
    const x = generateKeyPairSync('x25519').publicKey;
    expect(codeOf(() => encodePublicKey(x, 'ed25519'))).toBe('ENCODING_INVALID');
  });

  it('names a key by 16 bytes of its SHA-256, always the same 22 characters', () => {
    const pub = encodePublicKey(generateKeyPairSync('ed25519').publicKey, 'ed25519');
    const other = encodePublicKey(generateKeyPairSync('ed25519').publicKey, 'ed25519');
    expect(keyIdFor(pub)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(keyIdFor(pub)).toBe(keyIdFor(pub));
    expect(keyIdFor(pub)).not.toBe(keyIdFor(other));
  });

  it('makes a signer whose signatures verify with its public key', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const signer = createEd25519Signer(encodePrivateKey(privateKey, 'ed25519'));
    const data = new TextEncoder().encode('hello');
    const signature = signer.sign(data);
    expect(signature.byteLength).toBe(64);
    expect(verify(null, data, decodeEd25519PublicKey(signer.publicKey), signature)).toBe(true);
  });
});
