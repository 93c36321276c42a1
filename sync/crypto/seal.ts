/**
 * Sealing personal data to the hub: HPKE (RFC 9180) base mode with
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-128-GCM, all from
 * @hpke/core on WebCrypto. The kiosk holds only the hub's public key, so once
 * sealed it cannot read the data back; only the hub's private key opens it.
 *
 * Envelope (version 1), one byte string:
 *
 *   0x01 ‖ recipient (8 bytes) ‖ enc (32 bytes) ‖ ciphertext (plaintext + 16-byte tag)
 *
 * - version: names the whole suite and the info string; a future suite gets a
 *   new version, never a negotiated parameter.
 * - recipient: the first 8 bytes of SHA-256 of the hub public key it was
 *   sealed to (`recipientKeyIdFor`). A hint, not a secret: the hub checks it
 *   at push time without decrypting (an envelope sealed to a key it does not
 *   hold is refused at once), and picks the right private key after a key
 *   rotation. A changed hint cannot open anything: HPKE binds the recipient
 *   public key into the key schedule.
 * - enc: the X25519 encapsulated key.
 *
 * The AAD is the submission id, so an envelope moved to another submission
 * does not open.
 *
 * Async (WebCrypto): the outbox store seals before its SQLite transaction.
 */
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { fromBase64url, toBase64url } from './base64url';
import { CryptoError } from './errors';
import {
  RAW_KEY_BYTES,
  decodeEd25519PrivateKey,
  decodeX25519PrivateKey,
  encodePrivateKey,
  encodePublicKey,
} from './keys';

export const ENVELOPE_VERSION = 1;
/** HPKE `info` of version 1: binds every key derived to this protocol and purpose. */
export const SEAL_INFO = 'sportello/v1/submission';
const RECIPIENT_BYTES = 8;
const ENC_BYTES = 32;
const TAG_BYTES = 16;
const ENC_AT = 1 + RECIPIENT_BYTES;
const CT_AT = ENC_AT + ENC_BYTES;
/** Envelope bytes beyond the plaintext: version, recipient, encapsulated key, tag. */
export const ENVELOPE_OVERHEAD_BYTES = CT_AT + TAG_BYTES;

const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes128Gcm(),
});
const info = new TextEncoder().encode(SEAL_INFO);

function recipientBytes(hubPublicKey: string): Uint8Array {
  const raw = fromBase64url(hubPublicKey, RAW_KEY_BYTES);
  return new Uint8Array(createHash('sha256').update(raw).digest().subarray(0, RECIPIENT_BYTES));
}

/** The recipient hint an envelope sealed to `hubPublicKey` carries (base64url of 8 bytes). */
export function recipientKeyIdFor(hubPublicKey: string): string {
  return toBase64url(recipientBytes(hubPublicKey));
}

/**
 * The recipient hint of an envelope, without opening it. Throws
 * `ENVELOPE_INVALID` for an envelope too short or of an unknown version.
 */
export function envelopeRecipient(envelope: Uint8Array): string {
  checkEnvelope(envelope);
  return toBase64url(envelope.subarray(1, ENC_AT));
}

function checkEnvelope(envelope: Uint8Array): void {
  if (envelope.byteLength < ENVELOPE_OVERHEAD_BYTES) {
    throw new CryptoError('ENVELOPE_INVALID', `envelope of ${envelope.byteLength} bytes is too short`);
  }
  if (envelope[0] !== ENVELOPE_VERSION) {
    throw new CryptoError('ENVELOPE_INVALID', `unknown envelope version ${envelope[0]}`);
  }
}

function aadBytes(aad: string | Uint8Array): Uint8Array {
  return typeof aad === 'string' ? new TextEncoder().encode(aad) : aad;
}

/**
 * Seals `plaintext` to the hub's X25519 public key (raw base64url, as pinned
 * at enrollment) with `aad` (the submission id). Throws `ENCODING_INVALID`
 * for a malformed key.
 */
export async function seal(hubPublicKey: string, plaintext: Uint8Array, aad: string | Uint8Array): Promise<Uint8Array> {
  const recipientPublicKey = await suite.kem.deserializePublicKey(fromBase64url(hubPublicKey, RAW_KEY_BYTES));
  const { enc, ct } = await suite.seal({ recipientPublicKey, info }, plaintext, aadBytes(aad));
  if (enc.byteLength !== ENC_BYTES) throw new Error(`HPKE gave a ${enc.byteLength}-byte encapsulated key`);
  const envelope = new Uint8Array(CT_AT + ct.byteLength);
  envelope[0] = ENVELOPE_VERSION;
  envelope.set(recipientBytes(hubPublicKey), 1);
  envelope.set(new Uint8Array(enc), ENC_AT);
  envelope.set(new Uint8Array(ct), CT_AT);
  return envelope;
}

/**
 * Opens an envelope with the hub's X25519 private key (raw base64url) and the
 * same `aad` it was sealed with. Throws `ENVELOPE_INVALID` for an envelope
 * too short or of an unknown version, `OPEN_FAILED` when the key, the AAD or
 * any byte is wrong (beyond "sealed to another key", which one is not told).
 */
export async function open(hubPrivateKey: string, envelope: Uint8Array, aad: string | Uint8Array): Promise<Uint8Array> {
  checkEnvelope(envelope);
  const hubPublicKey = encodePublicKey(decodeX25519PrivateKey(hubPrivateKey), 'x25519');
  if (envelopeRecipient(envelope) !== recipientKeyIdFor(hubPublicKey)) {
    throw new CryptoError('OPEN_FAILED', 'envelope was sealed to another key');
  }
  const recipientKey = await suite.kem.deserializePrivateKey(fromBase64url(hubPrivateKey, RAW_KEY_BYTES));
  try {
    const plaintext = await suite.open(
      { recipientKey, enc: envelope.subarray(ENC_AT, CT_AT), info },
      envelope.subarray(CT_AT),
      aadBytes(aad),
    );
    return new Uint8Array(plaintext);
  } catch (cause) {
    throw new CryptoError('OPEN_FAILED', 'envelope does not open with this key and AAD', { cause });
  }
}

/** A key pair as raw base64url (43 characters each). */
export type RawKeyPair = { publicKey: string; privateKey: string };

/** The hub's keys: X25519 to open sealed data, Ed25519 to sign its answers. Both publics go to kiosks at enrollment. */
export type HubKeys = { encryption: RawKeyPair; signing: RawKeyPair };

/** Makes a fresh set of hub keys (once, when a hub is set up). */
export function generateHubKeys(): HubKeys {
  const encryption = generateKeyPairSync('x25519').privateKey;
  const signing = generateKeyPairSync('ed25519').privateKey;
  return {
    encryption: {
      publicKey: encodePublicKey(encryption, 'x25519'),
      privateKey: encodePrivateKey(encryption, 'x25519'),
    },
    signing: { publicKey: encodePublicKey(signing, 'ed25519'), privateKey: encodePrivateKey(signing, 'ed25519') },
  };
}

/**
 * Rebuilds the hub keys from the two stored private keys (raw base64url),
 * deriving the public halves. Throws `ENCODING_INVALID` for a malformed key.
 */
export function importHubKeys(privateKeys: { encryption: string; signing: string }): HubKeys {
  const encryption = decodeX25519PrivateKey(privateKeys.encryption);
  const signing = decodeEd25519PrivateKey(privateKeys.signing);
  return {
    encryption: { publicKey: encodePublicKey(encryption, 'x25519'), privateKey: privateKeys.encryption },
    signing: { publicKey: encodePublicKey(signing, 'ed25519'), privateKey: privateKeys.signing },
  };
}
