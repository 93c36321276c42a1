/**
 * The kiosk's Ed25519 identity: one key made at first start, kept in
 * `<dataDir>/kiosk-identity.pem` (PKCS#8 PEM, mode 0600), never leaving the
 * process as anything but signatures.
 *
 * Decisions:
 * - A key file readable or writable by group/others, owned by another user,
 *   or not a regular file is REFUSED (`IDENTITY_FILE_UNSAFE`), not fixed.
 *   Like ssh: if the key was exposed it may already be copied, and quietly
 *   chmod-ing it would hide that. The error names the fix (`chmod 600`, or
 *   revoke and re-enroll if the exposure was real). POSIX only; on Windows
 *   mode bits mean nothing and are not checked.
 * - A key file that exists but cannot be parsed is an error
 *   (`IDENTITY_FILE_INVALID`), never silently replaced: a new key would
 *   unenroll the kiosk without anyone noticing.
 * - Creation is crash- and race-safe: the key is written and fsynced to a
 *   private temporary file, then hard-linked into place (link fails if the
 *   file appeared meanwhile), and the file that ends up in place is read back.
 *   Two processes starting together end up with the same key; a crash leaves
 *   either no key file or a complete one.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { CryptoError } from './errors';
import { createEd25519Signer, keyIdFor } from './keys';

export const IDENTITY_FILE_NAME = 'kiosk-identity.pem';

export type KioskIdentity = {
  /** `keyIdFor(publicKey)`: sent as `x-sportello-key` with every request. */
  kioskKeyId: string;
  /** Raw Ed25519 public key, base64url (43 characters), sent at enrollment. */
  publicKey: string;
  /** Ed25519 signature (64 bytes) over `data`. */
  sign: (data: Uint8Array) => Uint8Array;
};

function isPosix(): boolean {
  return process.platform !== 'win32';
}

function errnoCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Reads and checks the key file; null when there is none. */
function readKeyFile(path: string): KeyObject | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    // fstat on the open descriptor: the checked file is the read file.
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new CryptoError('IDENTITY_FILE_UNSAFE', `${path} is not a regular file`);
    }
    if (isPosix()) {
      if ((stat.mode & 0o077) !== 0) {
        const mode = (stat.mode & 0o777).toString(8).padStart(3, '0');
        throw new CryptoError(
          'IDENTITY_FILE_UNSAFE',
          `${path} has mode ${mode}, readable by group/others; refusing to use it. ` +
            'If it was not exposed, run `chmod 600` on it; otherwise revoke this kiosk at the hub, delete the file and re-enroll.',
        );
      }
      const uid = process.getuid?.();
      if (uid !== undefined && stat.uid !== uid) {
        throw new CryptoError(
          'IDENTITY_FILE_UNSAFE',
          `${path} is owned by uid ${stat.uid}, not by this process (${uid})`,
        );
      }
    }
    const pem = readFileSync(fd, 'utf8');
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } catch (cause) {
      throw new CryptoError('IDENTITY_FILE_INVALID', `${path} does not hold a private key`, { cause });
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new CryptoError('IDENTITY_FILE_INVALID', `${path} holds an ${key.asymmetricKeyType} key, not Ed25519`);
    }
    return key;
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  if (!isPosix()) return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function createKeyFile(dataDir: string, path: string): void {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
  const tmp = join(dataDir, `.${IDENTITY_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600); // the umask can only narrow the mode given to open, but be explicit
    writeFileSync(fd, pem); // writes it all, unlike a single writeSync
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error; // another process won the race: use its key
  } finally {
    unlinkSync(tmp);
  }
  fsyncDir(dataDir);
}

/**
 * Loads the kiosk identity from `dataDir`, making the key at first start.
 * Throws `CryptoError` `IDENTITY_FILE_UNSAFE` / `IDENTITY_FILE_INVALID` for a
 * key file it will not use (see the decisions above).
 */
export function loadOrCreateIdentity(dataDir: string): KioskIdentity {
  const path = join(dataDir, IDENTITY_FILE_NAME);
  let key = readKeyFile(path);
  if (key === null) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    createKeyFile(dataDir, path);
    key = readKeyFile(path);
    if (key === null) throw new CryptoError('IDENTITY_FILE_INVALID', `${path} vanished right after it was made`);
  }
  const signer = createEd25519Signer(key);
  return { kioskKeyId: keyIdFor(signer.publicKey), publicKey: signer.publicKey, sign: signer.sign };
}
