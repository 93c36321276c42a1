import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../crypto/identity';
import { createEd25519Signer } from '../crypto/keys';
import { closeStore, openStore } from '../store/db';
import type { Store } from '../store/db';
import { enroll } from './enroll';
import { loadEnrollment } from './enrollment';
import { SyncError } from './errors';
import { deadUrl, startFakeHub } from './testing';
import type { FakeHub } from './testing';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const T0 = Date.parse('2026-12-01T09:00:00Z');

async function setup(
  hubNow: () => number = () => T0,
): Promise<{ hub: FakeHub; store: Store; identity: ReturnType<typeof loadOrCreateIdentity> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sportello-enroll-'));
  const store = openStore(join(dir, 'kiosk.db'));
  const hub = await startFakeHub({ now: hubNow });
  cleanups.push(
    () => rmSync(dir, { recursive: true, force: true }),
    () => closeStore(store),
    () => hub.close(),
  );
  return { hub, store, identity: loadOrCreateIdentity(dir) };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SyncError) return error.code;
    throw error;
  }
  throw new Error('expected a SyncError');
}

describe('enroll', () => {
  it('binds the kiosk to its comune and frazione and pins both hub keys in the store', async () => {
    const { hub, store, identity } = await setup();
    const code = hub.createCode({ istat: '022139', frazione: 'canezza' });

    const enrollment = await enroll({
      hubUrl: hub.url,
      code,
      identity,
      softwareVersion: '0.1.0',
      db: store.db,
      now: () => T0,
    });

    expect(enrollment).toMatchObject({
      comune: { istat: '022139' },
      frazione: { code: 'canezza' },
      hubSigningKey: hub.keys.signing.publicKey,
      hubEncryptionKey: hub.keys.encryption.publicKey,
    });
    expect(loadEnrollment(store.db)).toEqual({
      ...enrollment,
      kioskKeyId: identity.kioskKeyId,
      enrolledAt: '2026-12-01T09:00:00.000Z',
    });
    expect(hub.requests[0]?.body).toEqual({ code, publicKey: identity.publicKey, softwareVersion: '0.1.0' });
  });

  it('enrolls when the kiosk clock is far off the hub clock, correcting it from the answer', async () => {
    const { hub, store, identity } = await setup(() => T0 + 3 * 86_400_000);
    const enrollment = await enroll({
      hubUrl: hub.url,
      code: hub.createCode(),
      identity,
      softwareVersion: '0.1.0',
      db: store.db,
      now: () => T0,
    });
    expect(enrollment.hubSigningKey).toBe(hub.keys.signing.publicKey);
    expect(hub.requests).toHaveLength(2);
  });

  it('refuses a used code with ENROLLMENT_CODE_INVALID and pins nothing', async () => {
    const { hub, store, identity } = await setup();
    const code = hub.createCode();
    await enroll({ hubUrl: hub.url, code, identity, softwareVersion: '0.1.0', db: store.db });
    const other = await setup();

    expect(
      await codeOf(
        enroll({ hubUrl: hub.url, code, identity: other.identity, softwareVersion: '0.1.0', db: other.store.db }),
      ),
    ).toBe('ENROLLMENT_CODE_INVALID');
    expect(loadEnrollment(other.store.db)).toBeNull();
  });

  it('refuses a code that is not shaped like one without asking the hub', async () => {
    const { hub, store, identity } = await setup();
    expect(
      await codeOf(enroll({ hubUrl: hub.url, code: 'ab', identity, softwareVersion: '0.1.0', db: store.db })),
    ).toBe('ENROLLMENT_CODE_INVALID');
    expect(hub.requests).toHaveLength(0);
  });

  it('refuses an answer not signed by the key it names (HUB_KEY_MISMATCH) and pins nothing', async () => {
    const { hub, store, identity } = await setup();
    const impostor = createEd25519Signer(generateKeyPairSync('ed25519').privateKey);
    hub.after.push((_request, reply) => ('status' in reply ? { ...reply, signer: impostor } : undefined));

    expect(
      await codeOf(
        enroll({ hubUrl: hub.url, code: hub.createCode(), identity, softwareVersion: '0.1.0', db: store.db }),
      ),
    ).toBe('HUB_KEY_MISMATCH');
    expect(loadEnrollment(store.db)).toBeNull();
  });

  it('says HUB_UNREACHABLE when nothing listens', async () => {
    const { store, identity } = await setup();
    expect(
      await codeOf(
        enroll({ hubUrl: await deadUrl(), code: 'ABCD-1234', identity, softwareVersion: '0.1.0', db: store.db }),
      ),
    ).toBe('HUB_UNREACHABLE');
  });

  it('replaces the pinned enrollment when the kiosk enrolls again', async () => {
    const { hub, store, identity } = await setup();
    const first = await enroll({
      hubUrl: hub.url,
      code: hub.createCode(),
      identity,
      softwareVersion: '0.1.0',
      db: store.db,
    });
    const second = await enroll({
      hubUrl: hub.url,
      code: hub.createCode(),
      identity,
      softwareVersion: '0.1.1',
      db: store.db,
    });

    expect(second.kioskId).not.toBe(first.kioskId);
    expect(loadEnrollment(store.db)?.kioskId).toBe(second.kioskId);
  });
});
