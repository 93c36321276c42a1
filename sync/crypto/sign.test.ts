import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { SignatureErrorCode } from '../protocol/errors';
import { loadOrCreateIdentity } from './identity';
import { createEd25519Signer, keyIdFor } from './keys';
import {
  DEFAULT_WINDOW_MS,
  HEADER_DIGEST,
  HEADER_KEY,
  HEADER_NONCE,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  REQUEST_SIGNATURE_HEADERS,
  signRequest,
  signResponse,
  verifyRequest,
  verifyResponse,
} from './sign';
import type { HeaderBag, KeyLookup, RequestSignatureHeaders } from './sign';

const NOW = Date.UTC(2025, 2, 1, 8, 15);

function kiosk() {
  const signer = createEd25519Signer(generateKeyPairSync('ed25519').privateKey);
  return { ...signer, kioskKeyId: keyIdFor(signer.publicKey) };
}

/** A deterministic random(): 0, 1, 2 … then 16, 17 … across calls. */
function counterRandom() {
  let next = 0;
  return (size: number) => Uint8Array.from({ length: size }, () => next++ & 0xff);
}

/** The hub side: known keys, revoked keys, and a nonce store like the database's unique key. */
function hub(keys: Record<string, KeyLookup>) {
  const nonces = new Set<string>();
  const seenNonce = vi.fn((keyId: string, nonce: string) => {
    const key = `${keyId}/${nonce}`;
    if (nonces.has(key)) return true;
    nonces.add(key);
    return false;
  });
  const publicKeyFor = (keyId: string) => keys[keyId] ?? null;
  return { seenNonce, publicKeyFor, nonces };
}

const body = JSON.stringify({ items: [{ id: '0195512a-3c00-7000-8000-000000000001' }] });

function signed(identity = kiosk(), overrides: { now?: number } = {}) {
  const headers = signRequest({
    method: 'POST',
    path: '/v1/push',
    body,
    identity,
    now: () => overrides.now ?? NOW,
    random: counterRandom(),
  });
  return { identity, headers };
}

async function check(
  request: { method?: string; path?: string; body?: string; headers: HeaderBag },
  side: ReturnType<typeof hub>,
  now = NOW,
) {
  return verifyRequest({
    method: request.method ?? 'POST',
    path: request.path ?? '/v1/push',
    body: request.body ?? body,
    headers: request.headers,
    publicKeyFor: side.publicKeyFor,
    seenNonce: side.seenNonce,
    now: () => now,
    windowMs: DEFAULT_WINDOW_MS,
  });
}

function codeOf(result: Awaited<ReturnType<typeof verifyRequest>>): SignatureErrorCode | 'OK' {
  return result.ok ? 'OK' : result.code;
}

describe('request signing', () => {
  it('produces the five x-sportello headers', () => {
    const { headers, identity } = signed();
    expect(Object.keys(headers).sort()).toEqual([...REQUEST_SIGNATURE_HEADERS].sort());
    expect(headers[HEADER_KEY]).toBe(identity.kioskKeyId);
    expect(headers[HEADER_TIMESTAMP]).toBe(String(NOW));
    expect(headers[HEADER_NONCE]).toBe(Buffer.from([...Array(16).keys()]).toString('base64url'));
    expect(headers[HEADER_DIGEST]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(headers[HEADER_SIGNATURE]).toMatch(/^[A-Za-z0-9_-]{86}$/);
  });

  it('is deterministic given the clock and the randomness', () => {
    const identity = kiosk();
    expect(signed(identity).headers).toEqual(signed(identity).headers);
  });

  it('refuses to sign a path that could not be sent as is', () => {
    const identity = kiosk();
    for (const path of ['v1/push', '/v1/push x', '/v1/push\n', '/v1/città']) {
      expect(() => signRequest({ method: 'POST', path, body, identity })).toThrow(TypeError);
    }
  });
});

describe('request verification', () => {
  it('accepts a signed request and records its nonce once', async () => {
    const { headers, identity } = signed();
    const side = hub({ [identity.kioskKeyId]: identity.publicKey });
    expect(await check({ headers }, side)).toEqual({ ok: true, keyId: identity.kioskKeyId });
    expect(side.seenNonce).toHaveBeenCalledTimes(1);
    expect(side.seenNonce).toHaveBeenCalledWith(identity.kioskKeyId, headers[HEADER_NONCE], NOW);
  });

  it('accepts a GET with its query, a body-less request, async lookups and fetch Headers', async () => {
    const identity = loadOrCreateIdentity(mkdtempSync(join(tmpdir(), 'sportello-sign-')));
    const path = '/v1/pull?cursor=abc.123_-~';
    const headers = signRequest({ method: 'get', path, identity, now: () => NOW });
    const result = await verifyRequest({
      method: 'GET',
      path,
      headers: new Headers(headers),
      publicKeyFor: (keyId) => Promise.resolve(keyId === identity.kioskKeyId ? identity.publicKey : null),
      seenNonce: () => Promise.resolve(false),
      now: () => NOW,
    });
    expect(result).toEqual({ ok: true, keyId: identity.kioskKeyId });
  });

  it('refuses a request missing any signature header as UNSIGNED', async () => {
    const { headers, identity } = signed();
    const side = hub({ [identity.kioskKeyId]: identity.publicKey });
    expect(codeOf(await check({ headers: {} }, side))).toBe('UNSIGNED');
    for (const name of REQUEST_SIGNATURE_HEADERS) {
      const partial: Partial<RequestSignatureHeaders> = { ...headers };
      delete partial[name];
      expect(codeOf(await check({ headers: partial }, side)), name).toBe('UNSIGNED');
    }
    expect(side.seenNonce).not.toHaveBeenCalled();
  });

  it('refuses repeated or malformed signature headers as UNSIGNED', async () => {
    const { headers, identity } = signed();
    const side = hub({ [identity.kioskKeyId]: identity.publicKey });
    const variants: HeaderBag[] = [
      { ...headers, [HEADER_NONCE]: [headers[HEADER_NONCE], headers[HEADER_NONCE]] },
      { ...headers, [HEADER_TIMESTAMP]: '1.7e12' },
      { ...headers, [HEADER_TIMESTAMP]: '-1' },
      { ...headers, [HEADER_NONCE]: 'short' },
      { ...headers, [HEADER_SIGNATURE]: `${headers[HEADER_SIGNATURE]}=` },
      { ...headers, [HEADER_DIGEST]: headers[HEADER_DIGEST].slice(1) },
    ];
    for (const variant of variants) expect(codeOf(await check({ headers: variant }, side))).toBe('UNSIGNED');
  });

  it('refuses a key id the hub does not know as UNKNOWN_KIOSK', async () => {
    const { headers } = signed();
    expect(codeOf(await check({ headers }, hub({})))).toBe('UNKNOWN_KIOSK');
  });

  it('refuses a revoked kiosk as REVOKED_KIOSK, however good its signature', async () => {
    const { headers, identity } = signed();
    const side = hub({ [identity.kioskKeyId]: 'revoked' });
    expect(codeOf(await check({ headers }, side))).toBe('REVOKED_KIOSK');
    expect(side.seenNonce).not.toHaveBeenCalled();
  });

  it('refuses a timestamp outside the window either way as STALE_TIMESTAMP', async () => {
    const { headers, identity } = signed();
    const side = () => hub({ [identity.kioskKeyId]: identity.publicKey });
    expect(codeOf(await check({ headers }, side(), NOW + DEFAULT_WINDOW_MS + 1))).toBe('STALE_TIMESTAMP');
    expect(codeOf(await check({ headers }, side(), NOW - DEFAULT_WINDOW_MS - 1))).toBe('STALE_TIMESTAMP');
    expect(codeOf(await check({ headers }, side(), NOW + DEFAULT_WINDOW_MS))).toBe('OK');
    expect(codeOf(await check({ headers }, side(), NOW - DEFAULT_WINDOW_MS))).toBe('OK');
  });

  it('refuses the same request a second time as REPLAYED_NONCE', async () => {
    const { headers, identity } = signed();
    const side = hub({ [identity.kioskKeyId]: identity.publicKey });
    expect(codeOf(await check({ headers }, side))).toBe('OK');
    expect(codeOf(await check({ headers }, side, NOW + 1000))).toBe('REPLAYED_NONCE');
  });

  it('refuses a changed body as BAD_DIGEST without using up the nonce', async () => {
    const { headers, identity } = signed();
    const side = hub({ [identity.kioskKeyId]: identity.publicKey });
    expect(codeOf(await check({ headers, body: body.replace('0001', '0002') }, side))).toBe('BAD_DIGEST');
    expect(codeOf(await check({ headers, body: '' }, side))).toBe('BAD_DIGEST');
    expect(side.seenNonce).not.toHaveBeenCalled();
    expect(codeOf(await check({ headers }, side))).toBe('OK');
  });

  it('refuses a changed path, query, method, timestamp, nonce or digest as BAD_SIGNATURE', async () => {
    const { headers, identity } = signed();
    const side = hub({ [identity.kioskKeyId]: identity.publicKey });
    const other = '/v1/heartbeat';
    const otherBody = '{}';
    const tampered: Array<Parameters<typeof check>[0]> = [
      { headers, path: other },
      { headers, path: '/v1/push?x=1' },
      { headers, method: 'PUT' },
      { headers: { ...headers, [HEADER_TIMESTAMP]: String(NOW + 1) } },
      { headers: { ...headers, [HEADER_NONCE]: Buffer.alloc(16, 9).toString('base64url') } },
      {
        // body and digest changed together: the digest matches, the signature does not
        headers: {
          ...headers,
          [HEADER_DIGEST]: signRequest({ method: 'POST', path: '/', body: otherBody, identity })[HEADER_DIGEST],
        },
        body: otherBody,
      },
    ];
    for (const request of tampered) expect(codeOf(await check(request, side))).toBe('BAD_SIGNATURE');
    expect(side.seenNonce).not.toHaveBeenCalled();
  });

  it('refuses a request signed by one kiosk under the key id of another as BAD_SIGNATURE', async () => {
    const victim = kiosk();
    const { headers } = signed(kiosk());
    const side = hub({ [victim.kioskKeyId]: victim.publicKey });
    const forged = { ...headers, [HEADER_KEY]: victim.kioskKeyId };
    expect(codeOf(await check({ headers: forged }, side))).toBe('BAD_SIGNATURE');
  });

  it('never lets a forged request burn a nonce the genuine one then needs', async () => {
    const { headers, identity } = signed();
    const side = hub({ [identity.kioskKeyId]: identity.publicKey });
    const forged = { ...headers, [HEADER_SIGNATURE]: Buffer.alloc(64, 1).toString('base64url') };
    expect(codeOf(await check({ headers: forged }, side))).toBe('BAD_SIGNATURE');
    expect(side.nonces.size).toBe(0);
    expect(codeOf(await check({ headers }, side))).toBe('OK');
  });
});

describe('response signing', () => {
  const hubSigner = createEd25519Signer(generateKeyPairSync('ed25519').privateKey);
  const answer = JSON.stringify({ ok: true, serverTime: '2025-03-01T08:15:00.000Z' });
  const request = { requestKeyId: 'AAAAAAAAAAAAAAAAAAAAAA', requestNonce: 'AQIDBAUGBwgJCgsMDQ4PEA' };

  function respond() {
    return signResponse({ status: 200, body: answer, ...request, signer: hubSigner });
  }

  it('verifies with the pinned hub key', () => {
    const headers = respond();
    expect(
      verifyResponse({ status: 200, body: answer, headers, ...request, hubPublicKey: hubSigner.publicKey }),
    ).toEqual({ ok: true });
  });

  it('refuses an answer to another request, another status, another body, another key, or none', () => {
    const headers = respond();
    const base = { status: 200, body: answer, headers, ...request, hubPublicKey: hubSigner.publicKey };
    const code = (r: ReturnType<typeof verifyResponse>) => (r.ok ? 'OK' : r.code);
    expect(code(verifyResponse({ ...base, requestNonce: 'EA8ODQwLCgkIBwYFBAMCAQ' }))).toBe('BAD_SIGNATURE');
    expect(code(verifyResponse({ ...base, status: 201 }))).toBe('BAD_SIGNATURE');
    expect(code(verifyResponse({ ...base, body: answer.replace('true', 'false') }))).toBe('BAD_DIGEST');
    expect(code(verifyResponse({ ...base, hubPublicKey: kiosk().publicKey }))).toBe('BAD_SIGNATURE');
    expect(code(verifyResponse({ ...base, headers: {} }))).toBe('UNSIGNED');
  });
});
