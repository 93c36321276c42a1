/**
 * The hub's sync API over HTTP on an ephemeral port, against SQLite always
 * and against PostgreSQL when DATABASE_URL is set (each suite in its own
 * schema). Kiosks are the small signed test client of server/testing.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v4 as uuidv4 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePublicKey } from '../../sync/crypto/keys';
import { HEADER_SIGNATURE } from '../../sync/crypto/sign';
import { ENDPOINTS, MAX_BATCH, MAX_BODY_BYTES } from '../../sync/protocol';
import type { ErrorCode } from '../../sync/protocol';
import { DEMO_CATALOG } from '../../server/db/seed';
import { startHub } from '../../server/hub';
import type { RunningHub } from '../../server/hub';
import { TestKiosk, newKioskKey, sampleHeartbeat } from '../../server/testing/kiosk';
import type { CallResult } from '../../server/testing/kiosk';
import { createTestSchema } from '../../server/testing/postgres';
import type { TestSchema } from '../../server/testing/postgres';

const DATABASE_URL = process.env.DATABASE_URL;
const BACKENDS = ['sqlite', ...(DATABASE_URL ? ['postgres'] : [])] as const;
const ISTAT = '011011';
const PROTOCOL_NUMBER = /^C240-\d{4}-\d{6}$/;

function expectRefused(result: CallResult, status: number, code: ErrorCode): void {
  expect({ status: result.status, body: result.json }).toMatchObject({ status, body: { error: { code } } });
}

describe.each(BACKENDS)('hub on %s', (backend) => {
  let dir: string;
  let schema: TestSchema | null = null;
  let hub: RunningHub;
  /** The hub's and the kiosks' clock; a test may move it, and puts it back. */
  let skewMs = 0;
  const now = () => Date.now() + skewMs;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sportello-hub-'));
    if (backend === 'postgres') schema = await createTestSchema(DATABASE_URL!);
    hub = await startHub({ dataDir: dir, databaseUrl: schema?.url, now, pullPageSize: 3 });
  });
  afterAll(async () => {
    await hub?.close();
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function enrolled(frazione = 'colombiera'): Promise<TestKiosk> {
    const kiosk = new TestKiosk(hub.url, { now });
    await kiosk.enroll(await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione }));
    return kiosk;
  }

  async function requestIds(): Promise<string[]> {
    return (await hub.admin.listRequests()).map((r) => r.id);
  }

  describe('enrollment', () => {
    it('enrolls a kiosk with a good code, binding it to the comune and frazione and handing it the hub keys', async () => {
      const kiosk = new TestKiosk(hub.url, { now });
      const code = await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'molicciara' });
      expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
      const enrollment = await kiosk.enroll(code);
      expect(enrollment).toMatchObject({
        comune: { istat: ISTAT, name: 'Castelnuovo Magra' },
        frazione: { code: 'molicciara', name: 'Molicciara' },
        hubKeys: hub.keys,
      });
      const kiosks = await hub.admin.listKiosks();
      expect(kiosks.find((k) => k.id === enrollment.kioskId)).toMatchObject({
        keyId: kiosk.key.kioskKeyId,
        comune: ISTAT,
        frazione: 'molicciara',
        revokedAt: null,
      });
    });

    it('takes the code as a technician types it: any case, with or without dashes', async () => {
      const code = await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'canale' });
      const kiosk = new TestKiosk(hub.url, { now });
      expect((await kiosk.enroll(code.replaceAll('-', '').toLowerCase())).frazione.code).toBe('canale');
    });

    it('refuses a used code to another kiosk, but answers the same kiosk retrying with the same enrollment', async () => {
      const code = await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'colombiera' });
      const first = new TestKiosk(hub.url, { now });
      const enrollment = await first.enroll(code);
      expect((await first.enroll(code)).kioskId).toBe(enrollment.kioskId);

      const second = new TestKiosk(hub.url, { now });
      const refused = await second.call('POST', '/v1/enroll', {
        code,
        publicKey: second.key.publicKey,
        softwareVersion: '0.1.0',
      });
      expectRefused(refused, 403, 'ENROLLMENT_CODE_INVALID');
      expect((await hub.admin.listKiosks()).some((k) => k.keyId === second.key.kioskKeyId)).toBe(false);
    });

    it('refuses an expired code', async () => {
      const code = await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'colombiera', ttlMs: 60_000 });
      skewMs = 61_000;
      try {
        const kiosk = new TestKiosk(hub.url, { now });
        await expect(kiosk.enroll(code)).rejects.toMatchObject({ status: 403, code: 'ENROLLMENT_CODE_INVALID' });
      } finally {
        skewMs = 0;
      }
    });

    it('refuses an unknown code', async () => {
      const kiosk = new TestKiosk(hub.url, { now });
      await expect(kiosk.enroll('AAAA-BBBB-CCCC')).rejects.toMatchObject({
        status: 403,
        code: 'ENROLLMENT_CODE_INVALID',
      });
    });

    it('refuses an enrollment not signed by the key it enrolls', async () => {
      const kiosk = new TestKiosk(hub.url, { now });
      const code = await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'colombiera' });
      const other = newKioskKey();
      const result = await kiosk.call('POST', '/v1/enroll', {
        code,
        publicKey: other.publicKey,
        softwareVersion: '0.1.0',
      });
      expectRefused(result, 401, 'UNKNOWN_KIOSK');
      // The code is still good for the right kiosk.
      expect((await new TestKiosk(hub.url, { key: other, now }).enroll(code)).frazione.code).toBe('colombiera');
    });

    it('refuses a code for a frazione the comune does not have, at the hub', async () => {
      await expect(hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'atlantide' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });

  describe('request signatures', () => {
    let kiosk: TestKiosk;
    const heartbeat = () => ['POST', ENDPOINTS.heartbeat.path, sampleHeartbeat()] as const;
    beforeAll(async () => {
      kiosk = await enrolled();
      await kiosk.heartbeat(sampleHeartbeat({ queueDepth: 0 }));
    });
    /** The kiosk's stored heartbeat did not change: a refused request stored nothing. */
    async function expectNothingStored(): Promise<void> {
      const row = (await hub.admin.listKiosks()).find((k) => k.keyId === kiosk.key.kioskKeyId);
      expect(row?.lastHeartbeat).toMatchObject({ queueDepth: 0 });
    }

    it('refuses an unsigned request (UNSIGNED)', async () => {
      expectRefused(await kiosk.call(...heartbeat(), { unsigned: true }), 401, 'UNSIGNED');
      await expectNothingStored();
    });

    it('refuses a request of a key no kiosk enrolled (UNKNOWN_KIOSK)', async () => {
      const stranger = new TestKiosk(hub.url, { now });
      expectRefused(await stranger.call(...heartbeat()), 401, 'UNKNOWN_KIOSK');
    });

    it('refuses a revoked kiosk (REVOKED_KIOSK), whatever it sends and wherever', async () => {
      const revoked = await enrolled();
      await revoked.heartbeat();
      await hub.admin.revokeKiosk(revoked.enrollment!.kioskId);
      const refused = await revoked.call(...heartbeat());
      expectRefused(refused, 403, 'REVOKED_KIOSK');
      expect(refused.signedByHub).toBe(true);
      expectRefused(
        await revoked.call('POST', ENDPOINTS.push.path, { items: [await revoked.item()] }),
        403,
        'REVOKED_KIOSK',
      );
      expectRefused(await revoked.call('GET', ENDPOINTS.pull.path), 403, 'REVOKED_KIOSK');
      // Nor can the revoked key enroll itself back with a fresh code.
      const code = await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'colombiera' });
      expectRefused(
        await revoked.call('POST', ENDPOINTS.enroll.path, {
          code,
          publicKey: revoked.key.publicKey,
          softwareVersion: '0.1.0',
        }),
        403,
        'REVOKED_KIOSK',
      );
    });

    it('refuses a timestamp outside the window (STALE_TIMESTAMP), either way', async () => {
      expectRefused(await kiosk.call(...heartbeat(), { now: () => now() - 6 * 60_000 }), 401, 'STALE_TIMESTAMP');
      expectRefused(await kiosk.call(...heartbeat(), { now: () => now() + 6 * 60_000 }), 401, 'STALE_TIMESTAMP');
      await expectNothingStored();
    });

    it('refuses a replayed request (REPLAYED_NONCE)', async () => {
      const first = await kiosk.call(...heartbeat());
      expect(first.status).toBe(200);
      const replayed = await kiosk.replay(first.sent);
      expectRefused(replayed, 401, 'REPLAYED_NONCE');
      expect(replayed.signedByHub).toBe(true);
    });

    it('refuses a body changed in transit (BAD_DIGEST)', async () => {
      const tampered = JSON.stringify(sampleHeartbeat({ queueDepth: 666 }));
      expectRefused(await kiosk.call(...heartbeat(), { sendBody: tampered }), 400, 'BAD_DIGEST');
      await kiosk.heartbeat(sampleHeartbeat({ queueDepth: 0 }));
      await expectNothingStored();
    });

    it('refuses a tampered signature (BAD_SIGNATURE)', async () => {
      const result = await kiosk.call(...heartbeat(), {
        headers: (signed) => {
          const sig = signed[HEADER_SIGNATURE];
          const flipped = sig[10] === 'A' ? 'B' : 'A';
          return { ...signed, [HEADER_SIGNATURE]: sig.slice(0, 10) + flipped + sig.slice(11) };
        },
      });
      expectRefused(result, 401, 'BAD_SIGNATURE');
    });

    it('refuses a request signed for another path (BAD_SIGNATURE)', async () => {
      const signedForPull = await kiosk.call('GET', ENDPOINTS.pull.path, undefined, {
        headers: (signed) => signed,
      });
      expect(signedForPull.status).toBe(200);
      const moved = await kiosk.call('GET', `${ENDPOINTS.pull.path}?cursor=v1.e30`, undefined, {
        headers: () => ({ ...signedForPull.sent.headers }),
      });
      expectRefused(moved, 401, 'BAD_SIGNATURE');
    });

    it('signs every answer to a signed request with the pinned hub key, refusals included', async () => {
      const okAnswer = await kiosk.call(...heartbeat());
      expect(okAnswer.status).toBe(200);
      expect(okAnswer.signedByHub).toBe(true);
      const refused = await kiosk.call(...heartbeat(), { now: () => 0 });
      expect(refused.status).toBe(401);
      expect(refused.signedByHub).toBe(true);
      expect(Date.parse(okAnswer.headers.get('date')!)).toBeGreaterThan(Date.now() - 60_000);
    });
  });

  describe('bad input', () => {
    let kiosk: TestKiosk;
    beforeAll(async () => {
      kiosk = await enrolled();
    });

    async function expectNothingStored(before: string[]): Promise<void> {
      expect(await requestIds()).toEqual(before);
    }

    it('refuses a body that is not JSON, or not UTF-8, and stores nothing', async () => {
      const before = await requestIds();
      expectRefused(await kiosk.call('POST', ENDPOINTS.push.path, '{"items": ['), 400, 'INVALID_REQUEST');
      expectRefused(
        await kiosk.call('POST', ENDPOINTS.push.path, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])),
        400,
        'INVALID_REQUEST',
      );
      expectRefused(await kiosk.call('POST', ENDPOINTS.push.path, ''), 400, 'INVALID_REQUEST');
      await expectNothingStored(before);
    });

    it('refuses a batch that breaks the schema anywhere, whole, and stores nothing of it', async () => {
      const before = await requestIds();
      const good = await kiosk.item();
      const cases = [
        { items: [good, { ...(await kiosk.item()), extra: 1 }] },
        { items: [good, await kiosk.item({ id: uuidv4() })] },
        { items: [good, { ...(await kiosk.item()), id: good.id.toUpperCase() }] },
        { items: [good, good] },
        { items: [] },
        { items: Array.from({ length: MAX_BATCH + 1 }, () => good) },
        { items: [{ ...good, kind: 'complaint' }] },
        { items: [{ ...good, sealed: 'short' }] },
        { items: [good], more: true },
        [good],
      ];
      for (const body of cases) {
        const result = await kiosk.call('POST', ENDPOINTS.push.path, body);
        expectRefused(result, 400, 'INVALID_REQUEST');
        expect(result.signedByHub).toBe(true);
      }
      await expectNothingStored(before);
      // The good item alone goes through.
      expect((await kiosk.push([good])).results[0]).toMatchObject({ status: 'accepted' });
    });

    it('refuses a body over the size limit with 413 PAYLOAD_TOO_LARGE', async () => {
      const before = await requestIds();
      const huge = JSON.stringify({ items: [{ pad: 'x'.repeat(MAX_BODY_BYTES) }] });
      expectRefused(await kiosk.call('POST', ENDPOINTS.push.path, huge), 413, 'PAYLOAD_TOO_LARGE');
      await expectNothingStored(before);
    });

    it('refuses a bad heartbeat and a bad pull query', async () => {
      expectRefused(
        await kiosk.call('POST', ENDPOINTS.heartbeat.path, { ...sampleHeartbeat(), queueDepth: -1 }),
        400,
        'INVALID_REQUEST',
      );
      expectRefused(await kiosk.call('GET', `${ENDPOINTS.pull.path}?since=1`), 400, 'INVALID_REQUEST');
      expectRefused(await kiosk.call('GET', `${ENDPOINTS.pull.path}?cursor=c1.42`), 400, 'INVALID_REQUEST');
      expectRefused(await kiosk.call('GET', `${ENDPOINTS.pull.path}?cursor=a&cursor=b`), 400, 'INVALID_REQUEST');
    });

    it('answers an unknown route or method with a coded 404', async () => {
      expectRefused(await kiosk.call('GET', ENDPOINTS.push.path), 404, 'NOT_FOUND');
      expectRefused(await kiosk.call('POST', '/v2/push', { items: [] }), 404, 'NOT_FOUND');
    });
  });

  describe('push', () => {
    let kiosk: TestKiosk;
    beforeAll(async () => {
      kiosk = await enrolled('vallecchia');
    });

    it('stores a submission once: the same id pushed again gets the first answer, and one row', async () => {
      const item = await kiosk.item();
      const first = await kiosk.push([item]);
      expect(first.results).toEqual([
        {
          id: item.id,
          status: 'accepted',
          protocolNumber: expect.stringMatching(PROTOCOL_NUMBER),
          acceptedAt: expect.any(String),
        },
      ]);
      const again = await kiosk.push([item]);
      expect(again).toEqual(first);
      const rows = (await hub.admin.listRequests()).filter((r) => r.id === item.id);
      expect(rows).toEqual([
        expect.objectContaining({
          id: item.id,
          kioskId: kiosk.enrollment!.kioskId,
          kind: 'certificate',
          service: 'residenza',
          frazione: 'vallecchia',
          status: 'accepted',
          protocolNumber: (first.results[0] as { protocolNumber: string }).protocolNumber,
        }),
      ]);
      // The listing carries no sealed data.
      expect(JSON.stringify(rows)).not.toContain(item.sealed.slice(0, 40));
    });

    it('answers ID_CONFLICT for a stored id with other content, or from another kiosk', async () => {
      const item = await kiosk.item();
      await kiosk.push([item]);
      const changed = { ...item, service: 'stato-di-famiglia' };
      expect((await kiosk.push([changed])).results[0]).toMatchObject({ status: 'rejected', code: 'ID_CONFLICT' });
      const other = await enrolled('vallecchia');
      expect((await other.push([item])).results[0]).toMatchObject({ status: 'rejected', code: 'ID_CONFLICT' });
      expect((await hub.admin.listRequests()).filter((r) => r.id === item.id)).toHaveLength(1);
    });

    it('rejects, per item and in order, what it cannot accept, and answers retries the same', async () => {
      const otherHubKey = encodePublicKey(generateKeyPairSync('x25519').privateKey, 'x25519');
      const good = await kiosk.item({ kind: 'report', service: 'segnalazione-strade' });
      const foreignSeal = await kiosk.item({ sealTo: otherHubKey });
      const wrongFrazione = await kiosk.item({ frazione: 'marciano' });
      const unknownService = await kiosk.item({ service: 'passaporto' });
      const wrongKind = await kiosk.item({ kind: 'report', service: 'residenza' });
      const notAnEnvelope = await kiosk.item();
      notAnEnvelope.sealed = Buffer.alloc(120, 9).toString('base64url');
      const batch = [good, foreignSeal, wrongFrazione, unknownService, wrongKind, notAnEnvelope];
      const { results } = await kiosk.push(batch);
      expect(results.map((r) => r.id)).toEqual(batch.map((i) => i.id));
      expect(results.map((r) => (r.status === 'accepted' ? 'accepted' : r.code))).toEqual([
        'accepted',
        'SEAL_INVALID',
        'FRAZIONE_MISMATCH',
        'UNKNOWN_SERVICE',
        'UNKNOWN_SERVICE',
        'SEAL_INVALID',
      ]);
      expect((await kiosk.push(batch)).results).toEqual(results);
      const stored = new Map((await hub.admin.listRequests()).map((r) => [r.id, r]));
      expect(stored.get(foreignSeal.id)).toMatchObject({ status: 'rejected', protocolNumber: null });
      expect(stored.get(foreignSeal.id)?.rejection?.code).toBe('SEAL_INVALID');
    });

    it('numbers requests per comune and year without gaps, under concurrent pushes and retries', async () => {
      const kiosks = await Promise.all(Array.from({ length: 6 }, () => enrolled('vallecchia')));
      const before = new Set(await requestIds());
      const batches = await Promise.all(
        kiosks.flatMap((k) => Array.from({ length: 3 }, () => Promise.all(Array.from({ length: 5 }, () => k.item())))),
      );
      // Every batch is sent twice at once, as a kiosk retrying after a lost answer would.
      const answers = await Promise.all(
        batches.flatMap((items, b) => {
          const k = kiosks[Math.floor(b / 3)]!;
          return [k.push(items), k.push(items)];
        }),
      );
      for (let b = 0; b < batches.length; b += 1) {
        expect(answers[2 * b]).toEqual(answers[2 * b + 1]);
      }
      const numbers = answers
        .filter((_, i) => i % 2 === 0)
        .flatMap((a) => a.results.map((r) => (r.status === 'accepted' ? r.protocolNumber : 'rejected')));
      expect(numbers).toHaveLength(90);
      const all = (await hub.admin.listRequests()).filter((r) => r.protocolNumber !== null);
      const fresh = all.filter((r) => !before.has(r.id));
      expect(fresh).toHaveLength(90);
      expect(new Set(fresh.map((r) => r.protocolNumber))).toEqual(new Set(numbers));
      // Gapless over the whole year so far: 1..N, each once.
      const sequence = all.map((r) => Number(r.protocolNumber!.slice(-6))).sort((a, b) => a - b);
      expect(sequence).toEqual(Array.from({ length: sequence.length }, (_, i) => i + 1));
    });
  });

  describe('pull', () => {
    it('brings every catalog on the first pull, then only what changed', async () => {
      const kiosk = await enrolled('marciano');
      const first = await kiosk.pull();
      expect(Object.keys(first.catalogs ?? {}).sort()).toEqual(['catalog', 'offices', 'stradario']);
      expect(first.catalogs?.catalog?.certificateTypes.map((c) => c.code)).toEqual([
        'residenza',
        'stato-di-famiglia',
        'nascita',
        'cittadinanza',
        'esistenza-in-vita',
        'stato-civile',
      ]);
      expect(first.catalogs?.stradario?.streets.some((s) => s.frazione === 'marciano')).toBe(true);
      const second = await kiosk.pull(first.cursor);
      expect(second.catalogs).toBeUndefined();

      const version = await hub.admin.publishCatalog(ISTAT, 'catalog', {
        ...DEMO_CATALOG,
        services: DEMO_CATALOG.services.map((s) => (s.code === 'segnalazione-verde' ? { ...s, enabled: false } : s)),
      });
      try {
        const third = await kiosk.pull(second.cursor);
        expect(Object.keys(third.catalogs ?? {})).toEqual(['catalog']);
        expect(third.catalogs?.catalog?.version).toBe(version);
        expect((await kiosk.pull(third.cursor)).catalogs).toBeUndefined();
      } finally {
        await hub.admin.publishCatalog(ISTAT, 'catalog', DEMO_CATALOG);
      }
    });

    it('pages the status changes of this kiosk only, oldest first, with the cursor', async () => {
      const kiosk = await enrolled('palvotrisia');
      const neighbour = await enrolled('palvotrisia');
      const items = await Promise.all(Array.from({ length: 3 }, () => kiosk.item()));
      await kiosk.push(items);
      const theirs = await neighbour.item();
      await neighbour.push([theirs]);
      const start = await kiosk.pull();

      await hub.admin.addStatusChange(items[0]!.id, 'in-progress');
      await hub.admin.addStatusChange(theirs.id, 'in-progress');
      await hub.admin.addStatusChange(items[1]!.id, 'in-progress');
      await hub.admin.addStatusChange(items[0]!.id, 'ready-for-pickup', 'Il certificato è pronto allo sportello.');
      await hub.admin.addStatusChange(items[2]!.id, 'declined', 'Servizio non disponibile per questa frazione.');
      await hub.admin.addStatusChange(items[1]!.id, 'closed');

      const seen: Array<[string, string, string | null]> = [];
      let cursor = start.cursor;
      const pages: boolean[] = [];
      for (;;) {
        const page = await kiosk.pull(cursor);
        expect(page.statusChanges.length).toBeLessThanOrEqual(3);
        seen.push(
          ...page.statusChanges.map((c) => [c.submissionId, c.status, c.answer] as [string, string, string | null]),
        );
        pages.push(page.hasMore);
        // Pulling again with the same cursor gives the same page.
        expect((await kiosk.pull(cursor)).statusChanges).toEqual(page.statusChanges);
        cursor = page.cursor;
        if (!page.hasMore) break;
      }
      expect(pages).toEqual([true, false]);
      expect(seen).toEqual([
        [items[0]!.id, 'in-progress', null],
        [items[1]!.id, 'in-progress', null],
        [items[0]!.id, 'ready-for-pickup', 'Il certificato è pronto allo sportello.'],
        [items[2]!.id, 'declined', 'Servizio non disponibile per questa frazione.'],
        [items[1]!.id, 'closed', null],
      ]);
      expect((await kiosk.pull(cursor)).statusChanges).toEqual([]);
      const theirChanges = await neighbour.pull();
      expect(theirChanges.statusChanges.map((c) => c.submissionId)).toEqual([theirs.id]);
      expect((await hub.admin.listRequests()).find((r) => r.id === items[0]!.id)).toMatchObject({
        status: 'ready-for-pickup',
        answer: 'Il certificato è pronto allo sportello.',
      });
    });

    it('refuses a status change of a rejected or unknown request', async () => {
      const kiosk = await enrolled('palvotrisia');
      const bad = await kiosk.item({ frazione: 'canale' });
      await kiosk.push([bad]);
      await expect(hub.admin.addStatusChange(bad.id, 'closed')).rejects.toMatchObject({ code: 'INVALID_STATE' });
      await expect(hub.admin.addStatusChange((await kiosk.item()).id, 'closed')).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });

    it('carries the alerts valid now for the kiosk’s frazione, every time', async () => {
      const kiosk = await enrolled('molino-del-piano');
      const hour = 3_600_000;
      const everywhere = await hub.admin.publishAlert({
        istat: ISTAT,
        level: 'info',
        title: { it: 'Uffici chiusi il 2 giugno' },
        validUntil: now() + hour,
      });
      const here = await hub.admin.publishAlert({
        istat: ISTAT,
        frazione: 'molino-del-piano',
        level: 'warning',
        title: { it: 'Lavori in via della Chiusa' },
        body: { it: 'Strada chiusa dalle 8 alle 18.' },
        validUntil: now() + hour,
      });
      await hub.admin.publishAlert({
        istat: ISTAT,
        frazione: 'canale',
        level: 'critical',
        title: { it: 'Allerta meteo a Canale' },
        validUntil: now() + hour,
      });
      await hub.admin.publishAlert({ istat: ISTAT, level: 'info', title: { it: 'Scaduto' }, validUntil: now() - 1 });
      const first = await kiosk.pull();
      const ids = first.alerts.map((a) => a.id);
      expect(ids).toEqual(expect.arrayContaining([everywhere, here]));
      expect(first.alerts.find((a) => a.id === here)).toMatchObject({
        level: 'warning',
        body: { it: 'Strada chiusa dalle 8 alle 18.' },
      });
      expect(first.alerts.map((a) => a.title.it)).not.toContain('Allerta meteo a Canale');
      expect(first.alerts.map((a) => a.title.it)).not.toContain('Scaduto');
      expect((await kiosk.pull(first.cursor)).alerts.map((a) => a.id).sort()).toEqual([...ids].sort());
    });
  });

  describe('heartbeat and limits', () => {
    it('stores the last heartbeat on the kiosk and answers with the hub clock', async () => {
      const kiosk = await enrolled('canale');
      const body = sampleHeartbeat({ queueDepth: 7, versions: { app: '0.2.0', catalogs: {} } });
      const answer = await kiosk.heartbeat(body);
      expect(Math.abs(Date.parse(answer.serverTime) - Date.now())).toBeLessThan(10_000);
      const row = (await hub.admin.listKiosks()).find((k) => k.id === kiosk.enrollment!.kioskId);
      expect(row).toMatchObject({ lastHeartbeat: body, softwareVersion: '0.2.0' });
      expect(row?.lastHeartbeatAt).toBe(answer.serverTime);
    });

    it('limits each kiosk’s request rate, counted in the database (RATE_LIMITED, Retry-After)', async () => {
      const strict = await startHub({
        dataDir: dir,
        databaseUrl: schema?.url,
        now,
        rateLimit: { max: 3, windowMs: 60_000 },
      });
      try {
        const kiosk = new TestKiosk(strict.url, { now });
        await kiosk.enroll(await strict.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'canale' }));
        for (let i = 0; i < 3; i += 1) await kiosk.heartbeat();
        const limited = await kiosk.call('POST', ENDPOINTS.heartbeat.path, sampleHeartbeat());
        expectRefused(limited, 429, 'RATE_LIMITED');
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        // Another kiosk has its own budget.
        const other = new TestKiosk(strict.url, { now });
        await other.enroll(await strict.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'canale' }));
        await expect(other.heartbeat()).resolves.toMatchObject({ ok: true });
      } finally {
        await strict.close();
      }
    });

    it('forgets nonces only once the requests that used them are stale', async () => {
      const kiosk = await enrolled('canale');
      const first = await kiosk.call('POST', ENDPOINTS.heartbeat.path, sampleHeartbeat());
      expect(first.status).toBe(200);
      expect((await hub.admin.purgeExpired()).nonces).toBe(0);
      expectRefused(await kiosk.replay(first.sent), 401, 'REPLAYED_NONCE');
      skewMs = 11 * 60_000;
      try {
        expect((await hub.admin.purgeExpired()).nonces).toBeGreaterThan(0);
        expectRefused(await kiosk.replay(first.sent), 401, 'STALE_TIMESTAMP');
      } finally {
        skewMs = 0;
      }
    });

    it('answers /healthz unsigned', async () => {
      const response = await fetch(`${hub.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
      expect(response.headers.get(HEADER_SIGNATURE)).toBeNull();
    });
  });

  it('refuses nothing a healthy kiosk does: enroll, push, pull, heartbeat in a row', async () => {
    const kiosk = await enrolled();
    const item = await kiosk.item();
    expect((await kiosk.push([item])).results[0]?.status).toBe('accepted');
    expect((await kiosk.pull()).cursor).toMatch(/^v1\./);
    expect((await kiosk.heartbeat()).ok).toBe(true);
  });
});

describe('OpenAPI', () => {
  it('docs/openapi.json matches what the hub serves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sportello-hub-openapi-'));
    const hub = await startHub({ dataDir: dir, seed: 'none' });
    try {
      const served: unknown = await (await fetch(`${hub.url}/openapi.json`)).json();
      const committed: unknown = JSON.parse(readFileSync(join(import.meta.dirname, '../../docs/openapi.json'), 'utf8'));
      // When this fails after a protocol change: npm run hub -- openapi > docs/openapi.json
      expect(committed).toEqual(served);
      expect(served).toMatchObject({ openapi: '3.1.0', paths: { '/v1/push': { post: { operationId: 'push' } } } });
    } finally {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
