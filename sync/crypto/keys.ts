/**
 * Raw Ed25519 and X25519 keys as they travel and rest: the 32 raw key bytes
 * (RFC 8032 public key or seed, RFC 7748 u-coordinate or scalar) in unpadded
 * base64url, 43 characters. Inside the process they are node:crypto
 * `KeyObject`s; nothing here does arithmetic on keys, it only converts
 * between the standard encodings (raw, JWK, PKCS#8 per RFC 8410).
 */
import { createHash, createPrivateKey, createPublicKey, sign as ed25519Sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { fromBase64url, toBase64url } from './base64url';
import { CryptoError } from './errors';

export const RAW_KEY_BYTES = 32;
/** Bytes of SHA-256 kept in a key id: 128 bits, far beyond any fleet's collision risk. */
const KEY_ID_BYTES = 16;

export type KeyType = 'ed25519' | 'x25519';

/**
 * RFC 8410 PKCS#8 header for a 32-byte private key: SEQUENCE { version 0,
 * AlgorithmIdentifier { OID 1.3.101.112 (Ed25519) or .110 (X25519) },
 * OCTET STRING { OCTET STRING (32) } }. Followed by the raw key bytes.
 */
const PKCS8_PREFIX: Record<KeyType, Buffer> = {
  ed25519: Buffer.from('302e020100300506032b657004220420', 'hex'),
  x25519: Buffer.from('302e020100300506032b656e04220420', 'hex'),
};
const JWK_CURVE: Record<KeyType, string> = { ed25519: 'Ed25519', x25519: 'X25519' };

function expectType(key: KeyObject, type: KeyType): void {
  if (key.asymmetricKeyType !== type) {
    throw new CryptoError('ENCODING_INVALID', `expected an ${type} key, got ${key.asymmetricKeyType ?? key.type}`);
  }
}

/** Raw base64url of a public key (given the public key, or the private key it belongs to). */
export function encodePublicKey(key: KeyObject, type: KeyType): string {
  expectType(key, type);
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const { x } = pub.export({ format: 'jwk' });
  if (typeof x !== 'string') throw new CryptoError('ENCODING_INVALID', 'public key has no raw form');
  return x;
}

/** Raw base64url of a private key: the Ed25519 seed or the X25519 scalar. */
export function encodePrivateKey(key: KeyObject, type: KeyType): string {
  expectType(key, type);
  if (key.type !== 'private') throw new CryptoError('ENCODING_INVALID', 'not a private key');
  const { d } = key.export({ format: 'jwk' });
  if (typeof d !== 'string') throw new CryptoError('ENCODING_INVALID', 'private key has no raw form');
  return d;
}

function decodePublicKey(text: string, type: KeyType): KeyObject {
  const raw = fromBase64url(text, RAW_KEY_BYTES);
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: JWK_CURVE[type], x: toBase64url(raw) }, format: 'jwk' });
  } catch (cause) {
    throw new CryptoError('ENCODING_INVALID', `not an ${type} public key`, { cause });
  }
}

function decodePrivateKey(text: string, type: KeyType): KeyObject {
  const raw = fromBase64url(text, RAW_KEY_BYTES);
  try {
    return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX[type], raw]), format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new CryptoError('ENCODING_INVALID', `not an ${type} private key`, { cause });
  }
}

/** Parses a raw base64url Ed25519 public key; throws `ENCODING_INVALID` unless it is exactly 32 canonical bytes. */
export function decodeEd25519PublicKey(text: string): KeyObject {
  return decodePublicKey(text, 'ed25519');
}
/** Parses a raw base64url X25519 public key; throws `ENCODING_INVALID` unless it is exactly 32 canonical bytes. */
export function decodeX25519PublicKey(text: string): KeyObject {
  return decodePublicKey(text, 'x25519');
}
/** Parses a raw base64url Ed25519 private key (the 32-byte seed). */
export function decodeEd25519PrivateKey(text: string): KeyObject {
  return decodePrivateKey(text, 'ed25519');
}
/** Parses a raw base64url X25519 private key (the 32-byte scalar). */
export function decodeX25519PrivateKey(text: string): KeyObject {
  return decodePrivateKey(text, 'x25519');
}

/**
 * The key id of an Ed25519 public key: base64url of the first 16 bytes of
 * SHA-256 over the 32 raw key bytes (22 characters). The kiosk sends it in
 * every signed request; the hub computes the same at enrollment and looks the
 * key up by it. It names a key, it proves nothing: verification always uses
 * the full stored key.
 */
export function keyIdFor(ed25519PublicKey: string): string {
  const raw = fromBase64url(ed25519PublicKey, RAW_KEY_BYTES);
  return toBase64url(createHash('sha256').update(raw).digest().subarray(0, KEY_ID_BYTES));
}

/** Something that signs with an Ed25519 key it does not reveal. */
export type Ed25519Signer = {
  /** Raw base64url public key. */
  publicKey: string;
  /** Ed25519 signature (64 bytes) over `data`. */
  sign: (data: Uint8Array) => Uint8Array;
};

/** Wraps an Ed25519 private key (a KeyObject or its raw base64url seed) as a signer; the hub uses it for its signing key. */
export function createEd25519Signer(privateKey: KeyObject | string): Ed25519Signer {
  const key = typeof privateKey === 'string' ? decodeEd25519PrivateKey(privateKey) : privateKey;
  expectType(key, 'ed25519');
  return {
    publicKey: encodePublicKey(key, 'ed25519'),
    sign: (data) => new Uint8Array(ed25519Sign(null, data, key)),
  };
}
