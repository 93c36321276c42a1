/**
 * Request signing (kiosk → hub) and response signing (hub → kiosk), Ed25519
 * over a canonical string. No MAC construction of our own: a signature over
 * the exact fields below, verified with node:crypto.
 *
 * Canonical request string, fields joined by "\n" (none may contain one; each
 * has a fixed syntax, so the join is unambiguous):
 *
 *   sportello-request-v1
 *   <METHOD>                 upper case
 *   <path>                   exactly as sent, with its query ("/v1/pull?cursor=abc")
 *   <timestamp>              ms since the epoch, decimal
 *   <nonce>                  16 random bytes, base64url
 *   <digest>                 SHA-256 of the exact body bytes, base64url (of no bytes when there is no body)
 *   <key id>                 keyIdFor(kiosk public key)
 *
 * For the hub: verify against the raw request target (Node's `req.url`,
 * Fastify's `request.raw.url`) and the raw body bytes, before any parsing or
 * normalisation; a proxy in front of the hub must not rewrite paths.
 */
import { createHash, randomBytes, timingSafeEqual, verify as ed25519Verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { SignatureErrorCode } from '../protocol/errors';
import { fromBase64url, toBase64url } from './base64url';
import { decodeEd25519PublicKey } from './keys';

export const HEADER_KEY = 'x-sportello-key';
export const HEADER_TIMESTAMP = 'x-sportello-timestamp';
export const HEADER_NONCE = 'x-sportello-nonce';
export const HEADER_DIGEST = 'x-sportello-digest';
export const HEADER_SIGNATURE = 'x-sportello-signature';

/** The headers of a signed request, all required. */
export const REQUEST_SIGNATURE_HEADERS = [
  HEADER_KEY,
  HEADER_TIMESTAMP,
  HEADER_NONCE,
  HEADER_DIGEST,
  HEADER_SIGNATURE,
] as const;
export type RequestSignatureHeaders = Record<(typeof REQUEST_SIGNATURE_HEADERS)[number], string>;

/** The headers of a signed response. */
export const RESPONSE_SIGNATURE_HEADERS = [HEADER_DIGEST, HEADER_SIGNATURE] as const;
export type ResponseSignatureHeaders = Record<(typeof RESPONSE_SIGNATURE_HEADERS)[number], string>;

/**
 * Default tolerance between the kiosk's timestamp and the hub's clock, either
 * way. The hub must remember nonces for at least twice this long (anything
 * older is refused as stale anyway, so older nonces can be pruned).
 */
export const DEFAULT_WINDOW_MS = 5 * 60 * 1000;

const REQUEST_SCHEME = 'sportello-request-v1';
const RESPONSE_SCHEME = 'sportello-response-v1';
const NONCE_BYTES = 16;
const KEY_ID_BYTES = 16;
const DIGEST_BYTES = 32;
const SIGNATURE_BYTES = 64;
const METHOD = /^[A-Z]+$/;
/** Origin-form request target: printable ASCII, no spaces. */
const PATH = /^\/[\x21-\x7e]*$/;
const TIMESTAMP = /^(0|[1-9]\d{0,15})$/;

export type Body = Uint8Array | string | undefined;
export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

/** SHA-256 of the body bytes (a string is taken as UTF-8), base64url. */
export function bodyDigest(body?: Body): string {
  return toBase64url(
    createHash('sha256')
      .update(body ?? new Uint8Array(0))
      .digest(),
  );
}

function isBase64url(text: string, bytes: number): boolean {
  try {
    fromBase64url(text, bytes);
    return true;
  } catch {
    return false;
  }
}

function canonicalRequest(f: {
  method: string;
  path: string;
  timestamp: string;
  nonce: string;
  digest: string;
  keyId: string;
}): Uint8Array {
  return Buffer.from([REQUEST_SCHEME, f.method, f.path, f.timestamp, f.nonce, f.digest, f.keyId].join('\n'), 'utf8');
}

/** What signs requests: the kiosk identity (./identity), or anything with the same two members. */
export type RequestSigner = { kioskKeyId: string; sign: (data: Uint8Array) => Uint8Array };

/**
 * Signs one request; returns the five headers to send with it. `body` must be
 * the exact bytes sent. `now` should be the kiosk's clock corrected by the
 * hub's (heartbeat `serverTime`), so timestamps stay inside the hub's window.
 */
export function signRequest(options: {
  method: string;
  path: string;
  body?: Body;
  identity: RequestSigner;
  now?: () => number;
  random?: (size: number) => Uint8Array;
}): RequestSignatureHeaders {
  const { path, body, identity } = options;
  const method = options.method.toUpperCase();
  const now = options.now ?? Date.now;
  const random = options.random ?? ((size: number) => new Uint8Array(randomBytes(size)));
  if (!METHOD.test(method)) throw new TypeError(`not an HTTP method: ${method}`);
  if (!PATH.test(path)) throw new TypeError('path must start with / and hold printable ASCII only');
  const timestamp = String(Math.floor(now()));
  if (!TIMESTAMP.test(timestamp)) throw new TypeError(`clock gave an invalid timestamp: ${timestamp}`);
  const nonceBytes = random(NONCE_BYTES);
  if (nonceBytes.byteLength !== NONCE_BYTES) throw new TypeError(`random() gave ${nonceBytes.byteLength} bytes`);
  const nonce = toBase64url(nonceBytes);
  const digest = bodyDigest(body);
  const keyId = identity.kioskKeyId;
  const signature = identity.sign(canonicalRequest({ method, path, timestamp, nonce, digest, keyId }));
  return {
    [HEADER_KEY]: keyId,
    [HEADER_TIMESTAMP]: timestamp,
    [HEADER_NONCE]: nonce,
    [HEADER_DIGEST]: digest,
    [HEADER_SIGNATURE]: toBase64url(signature),
  };
}

/**
 * What the hub knows of a key id: the raw base64url (or parsed) public key,
 * nothing (null), or that it was revoked. A raw key is 43 characters, so it is
 * never the string 'revoked'.
 */
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- 'revoked' names the case for readers
export type KeyLookup = string | KeyObject | null | 'revoked';

export type VerifyResult = { ok: true; keyId: string } | { ok: false; code: SignatureErrorCode; message: string };

/** One header's single value; null when it is absent, repeated, or empty. */
function headerValue(headers: HeaderBag, name: string): string | null {
  const value = headers instanceof Headers ? headers.get(name) : headers[name];
  if (Array.isArray(value)) return value.length === 1 && value[0] ? value[0] : null;
  return value ? value : null;
}

function refuse(code: SignatureErrorCode, message: string): VerifyResult {
  return { ok: false, code, message };
}

function digestMatches(body: Body, digest: string): boolean {
  return timingSafeEqual(Buffer.from(bodyDigest(body)), Buffer.from(digest));
}

/**
 * Verifies a signed request at the hub. Checks, in this order, each with its
 * own code: headers present and well-formed (UNSIGNED), key known
 * (UNKNOWN_KIOSK) and not revoked (REVOKED_KIOSK), timestamp within
 * `windowMs` of `now()` (STALE_TIMESTAMP), signature (BAD_SIGNATURE), body
 * digest (BAD_DIGEST), and only then the nonce (REPLAYED_NONCE): a request
 * that is not genuinely signed never reaches `seenNonce`, so nobody without
 * the key can use up a kiosk's nonces.
 *
 * `seenNonce(keyId, nonce, timestampMs)` belongs to the caller: it must
 * atomically record the nonce and answer whether it was already recorded
 * (an INSERT hitting a unique key, so two hub processes agree). Keep nonces
 * for at least 2 × windowMs. If it throws, this rejects: answer INTERNAL.
 */
export async function verifyRequest(options: {
  method: string;
  path: string;
  body?: Body;
  headers: HeaderBag;
  publicKeyFor: (keyId: string) => KeyLookup | Promise<KeyLookup>;
  seenNonce: (keyId: string, nonce: string, timestampMs: number) => boolean | Promise<boolean>;
  now?: () => number;
  windowMs?: number;
}): Promise<VerifyResult> {
  const { path, body, headers } = options;
  const method = options.method.toUpperCase();
  const now = options.now ?? Date.now;
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;

  const keyId = headerValue(headers, HEADER_KEY);
  const timestamp = headerValue(headers, HEADER_TIMESTAMP);
  const nonce = headerValue(headers, HEADER_NONCE);
  const digest = headerValue(headers, HEADER_DIGEST);
  const signature = headerValue(headers, HEADER_SIGNATURE);
  if (keyId === null || timestamp === null || nonce === null || digest === null || signature === null) {
    const missing = REQUEST_SIGNATURE_HEADERS.filter((name) => headerValue(headers, name) === null);
    return refuse('UNSIGNED', `missing or repeated: ${missing.join(', ')}`);
  }
  if (
    !isBase64url(keyId, KEY_ID_BYTES) ||
    !TIMESTAMP.test(timestamp) ||
    !isBase64url(nonce, NONCE_BYTES) ||
    !isBase64url(digest, DIGEST_BYTES) ||
    !isBase64url(signature, SIGNATURE_BYTES)
  ) {
    return refuse('UNSIGNED', 'malformed signature headers');
  }
  if (!METHOD.test(method) || !PATH.test(path)) {
    // The hub passed something no kiosk could have signed.
    return refuse('BAD_SIGNATURE', 'request method or path cannot be signed');
  }

  const found = await options.publicKeyFor(keyId);
  if (found === null) return refuse('UNKNOWN_KIOSK', `no kiosk with key ${keyId}`);
  if (found === 'revoked') return refuse('REVOKED_KIOSK', `key ${keyId} is revoked`);
  const publicKey = typeof found === 'string' ? decodeEd25519PublicKey(found) : found;

  const timestampMs = Number(timestamp);
  const skew = timestampMs - now();
  if (Math.abs(skew) > windowMs) return refuse('STALE_TIMESTAMP', `timestamp is ${skew} ms off the hub's clock`);

  const data = canonicalRequest({ method, path, timestamp, nonce, digest, keyId });
  if (!ed25519Verify(null, data, publicKey, fromBase64url(signature, SIGNATURE_BYTES))) {
    return refuse('BAD_SIGNATURE', 'signature does not verify');
  }
  if (!digestMatches(body, digest)) return refuse('BAD_DIGEST', 'body is not the one signed');

  if (await options.seenNonce(keyId, nonce, timestampMs)) {
    return refuse('REPLAYED_NONCE', 'nonce already used');
  }
  return { ok: true, keyId };
}

function canonicalResponse(f: { status: number; keyId: string; nonce: string; digest: string }): Uint8Array {
  return Buffer.from([RESPONSE_SCHEME, String(f.status), f.keyId, f.nonce, f.digest].join('\n'), 'utf8');
}

/**
 * The hub signs its answer with its Ed25519 signing key, bound to the
 * request's key id and nonce (so an old answer cannot be replayed to a new
 * request) and to the status and exact body bytes. The kiosk checks it with
 * the signing key it pinned at enrollment. The hub signs every answer to a
 * request that carried well-formed key and nonce headers.
 */
export function signResponse(options: {
  status: number;
  body?: Body;
  requestKeyId: string;
  requestNonce: string;
  signer: { sign: (data: Uint8Array) => Uint8Array };
}): ResponseSignatureHeaders {
  const digest = bodyDigest(options.body);
  const data = canonicalResponse({
    status: options.status,
    keyId: options.requestKeyId,
    nonce: options.requestNonce,
    digest,
  });
  return { [HEADER_DIGEST]: digest, [HEADER_SIGNATURE]: toBase64url(options.signer.sign(data)) };
}

/** Checks a hub answer against the pinned hub signing key (see `signResponse`). */
export function verifyResponse(options: {
  status: number;
  body?: Body;
  headers: HeaderBag;
  requestKeyId: string;
  requestNonce: string;
  hubPublicKey: string | KeyObject;
}): { ok: true } | { ok: false; code: 'UNSIGNED' | 'BAD_SIGNATURE' | 'BAD_DIGEST'; message: string } {
  const digest = headerValue(options.headers, HEADER_DIGEST);
  const signature = headerValue(options.headers, HEADER_SIGNATURE);
  if (digest === null || signature === null) return { ok: false, code: 'UNSIGNED', message: 'response is not signed' };
  if (!isBase64url(digest, DIGEST_BYTES) || !isBase64url(signature, SIGNATURE_BYTES)) {
    return { ok: false, code: 'UNSIGNED', message: 'malformed response signature headers' };
  }
  const key =
    typeof options.hubPublicKey === 'string' ? decodeEd25519PublicKey(options.hubPublicKey) : options.hubPublicKey;
  const data = canonicalResponse({
    status: options.status,
    keyId: options.requestKeyId,
    nonce: options.requestNonce,
    digest,
  });
  if (!ed25519Verify(null, data, key, fromBase64url(signature, SIGNATURE_BYTES))) {
    return { ok: false, code: 'BAD_SIGNATURE', message: 'response signature does not verify' };
  }
  if (!digestMatches(options.body, digest)) {
    return { ok: false, code: 'BAD_DIGEST', message: 'response body is not the one signed' };
  }
  return { ok: true };
}
