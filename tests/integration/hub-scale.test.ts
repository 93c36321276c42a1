/**
 * Scale-out: two hub processes on one database — this test process's hub and
 * one started by the CLI in a child process — behind the test's own
 * round-robin. Against PostgreSQL when DATABASE_URL is set (the production
 * shape), and against one SQLite file always: either way no hub may keep in
 * memory what the other would need.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../../sync/protocol';
import { startHub } from '../../server/hub';
import type { RunningHub } from '../../server/hub';
import { TestKiosk, sampleHeartbeat } from '../../server/testing/kiosk';
import { spawnHubProcess } from '../../server/testing/process';
import type { HubProcess } from '../../server/testing/process';
import { createTestSchema } from '../../server/testing/postgres';
import type { TestSchema } from '../../server/testing/postgres';

const DATABASE_URL = process.env.DATABASE_URL;
const BACKENDS = ['sqlite', ...(DATABASE_URL ? ['postgres'] : [])] as const;
const ISTAT = '011011';

describe.each(BACKENDS)('two hubs on one %s database', (backend) => {
  const dirs: string[] = [];
  let schema: TestSchema | null = null;
  let a: RunningHub;
  let b: HubProcess;
  let turn = 0;
  /** The load balancer: every request goes to the next hub. */
  const roundRobin = () => [a, b][turn++ % 2]!.url;

  beforeAll(async () => {
    if (backend === 'postgres') schema = await createTestSchema(DATABASE_URL!);
    const shared = mkdtempSync(join(tmpdir(), 'sportello-hub-scale-'));
    dirs.push(shared);
    // Started together on a fresh database: both migrate, make keys and seed, and agree.
    [a, b] = await Promise.all([
      startHub({ dataDir: shared, databaseUrl: schema?.url }),
      spawnHubProcess({ dataDir: shared, databaseUrl: schema?.url }),
    ]);
  }, 30_000);
  afterAll(async () => {
    expect(await b?.stop()).toBe(0);
    await a?.close();
    await schema?.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('uses one set of hub keys', async () => {
    const kiosk = new TestKiosk(b.url);
    const enrollment = await kiosk.enroll(await a.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'vallecchia' }));
    expect(enrollment.hubKeys).toEqual(a.keys);
  });

  it('knows at one hub a kiosk enrolled at the other, and refuses there a nonce used here', async () => {
    const kiosk = new TestKiosk(a.url);
    await kiosk.enroll(await a.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'colombiera' }));
    const first = await kiosk.call('POST', ENDPOINTS.heartbeat.path, sampleHeartbeat());
    expect(first.status).toBe(200);
    const atOther = new TestKiosk(b.url, { key: kiosk.key });
    atOther.enrollment = kiosk.enrollment;
    const replayed = await atOther.replay(first.sent);
    expect(replayed.status).toBe(401);
    expect(replayed.json).toMatchObject({ error: { code: 'REPLAYED_NONCE' } });
    expect(replayed.signedByHub).toBe(true);
  });

  it('honours at one hub a revocation made at the other', async () => {
    const kiosk = new TestKiosk(b.url);
    await kiosk.enroll(await a.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'canale' }));
    await kiosk.heartbeat();
    await a.admin.revokeKiosk(kiosk.enrollment!.kioskId);
    const refused = await kiosk.call('POST', ENDPOINTS.heartbeat.path, sampleHeartbeat());
    expect(refused.json).toMatchObject({ error: { code: 'REVOKED_KIOSK' } });
  });

  it('lands concurrent pushes from many kiosks exactly once, with gapless protocol numbers', async () => {
    const KIOSKS = 12;
    const BATCHES = 3;
    const ITEMS = 8;
    const kiosks = await Promise.all(
      Array.from({ length: KIOSKS }, async (_, i) => {
        const kiosk = new TestKiosk(roundRobin);
        const frazione = ['colombiera', 'molicciara', 'marciano'][i % 3]!;
        await kiosk.enroll(await a.admin.createEnrollmentCode({ istat: ISTAT, frazione }));
        return kiosk;
      }),
    );
    const before = await a.admin.listRequests();
    const work = await Promise.all(
      kiosks.map(async (kiosk) => ({
        kiosk,
        batches: await Promise.all(
          Array.from({ length: BATCHES }, () => Promise.all(Array.from({ length: ITEMS }, () => kiosk.item()))),
        ),
      })),
    );
    // Each batch goes out twice at once — a retry after a lost answer — so the
    // two copies usually hit different hubs and race for the same ids.
    const answers = await Promise.all(
      work.flatMap(({ kiosk, batches }) => batches.flatMap((items) => [kiosk.push(items), kiosk.push(items)])),
    );
    for (let i = 0; i < answers.length; i += 2) expect(answers[i]).toEqual(answers[i + 1]);

    const pushed = work.flatMap(({ batches }) => batches.flat().map((item) => item.id));
    const stored = await a.admin.listRequests();
    const fresh = stored.filter((r) => !before.some((old) => old.id === r.id));
    expect(fresh.map((r) => r.id).sort()).toEqual([...pushed].sort());
    expect(fresh.every((r) => r.status === 'accepted')).toBe(true);

    const numbers = stored
      .filter((r) => r.protocolNumber !== null)
      .map((r) => Number(r.protocolNumber!.slice(-6)))
      .sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
    expect(numbers.length).toBe(before.length + KIOSKS * BATCHES * ITEMS);
  });
});
