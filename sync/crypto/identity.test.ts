import { generateKeyPairSync, verify } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CryptoError } from './errors';
import { IDENTITY_FILE_NAME, loadOrCreateIdentity } from './identity';
import { decodeEd25519PublicKey, keyIdFor } from './keys';

const posix = process.platform !== 'win32';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sportello-identity-'));
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  throw new Error('expected a CryptoError');
}

describe('kiosk identity', () => {
  it('makes an Ed25519 key at first start in a 0600 file and loads the same identity afterwards', () => {
    const dir = join(tempDir(), 'nested', 'data');
    const first = loadOrCreateIdentity(dir);
    const path = join(dir, IDENTITY_FILE_NAME);
    if (posix) expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    const again = loadOrCreateIdentity(dir);
    expect(again.publicKey).toBe(first.publicKey);
    expect(again.kioskKeyId).toBe(first.kioskKeyId);
    expect(readdirSync(dir)).toEqual([IDENTITY_FILE_NAME]); // no temporary file left behind
  });

  it('signs with the key it publishes, under the id the hub will compute', () => {
    const identity = loadOrCreateIdentity(tempDir());
    const data = new TextEncoder().encode('canonical request');
    expect(identity.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(identity.kioskKeyId).toBe(keyIdFor(identity.publicKey));
    expect(verify(null, data, decodeEd25519PublicKey(identity.publicKey), identity.sign(data))).toBe(true);
  });

  it('gives different kiosks different keys', () => {
    expect(loadOrCreateIdentity(tempDir()).publicKey).not.toBe(loadOrCreateIdentity(tempDir()).publicKey);
  });

  it.skipIf(!posix)('refuses a key file readable by group or others, and leaves it as it was', () => {
    for (const mode of [0o640, 0o604, 0o660]) {
      const dir = tempDir();
      const before = loadOrCreateIdentity(dir).publicKey;
      const path = join(dir, IDENTITY_FILE_NAME);
      chmodSync(path, mode);
      expect(codeOf(() => loadOrCreateIdentity(dir))).toBe('IDENTITY_FILE_UNSAFE');
      expect(statSync(path).mode & 0o777).toBe(mode);
      chmodSync(path, 0o600); // what the error tells the technician to do
      expect(loadOrCreateIdentity(dir).publicKey).toBe(before);
    }
  });

  it('refuses a key file that is not an Ed25519 private key rather than replacing it', () => {
    const dir = tempDir();
    const path = join(dir, IDENTITY_FILE_NAME);
    writeFileSync(path, 'not a key\n', { mode: 0o600 });
    expect(codeOf(() => loadOrCreateIdentity(dir))).toBe('IDENTITY_FILE_INVALID');
    expect(readFileSync(path, 'utf8')).toBe('not a key\n');

    const x25519 = generateKeyPairSync('x25519').privateKey.export({ format: 'pem', type: 'pkcs8' });
    writeFileSync(path, x25519, { mode: 0o600 });
    expect(codeOf(() => loadOrCreateIdentity(dir))).toBe('IDENTITY_FILE_INVALID');
  });
});
