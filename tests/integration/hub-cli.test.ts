/**
 * The admin CLI (`npm run hub -- <command>`) run in-process against the same
 * database as a running hub, as an operator would next to it. (`start` runs
 * as a real process in hub-scale.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../server/cli';
import { startHub } from '../../server/hub';
import type { RunningHub } from '../../server/hub';
import { TestKiosk } from '../../server/testing/kiosk';
import { createTestSchema } from '../../server/testing/postgres';
import type { TestSchema } from '../../server/testing/postgres';

const DATABASE_URL = process.env.DATABASE_URL;
const BACKENDS = ['sqlite', ...(DATABASE_URL ? ['postgres'] : [])] as const;

describe.each(BACKENDS)('hub CLI on %s', (backend) => {
  let dir: string;
  let schema: TestSchema | null = null;
  let hub: RunningHub;
  const env: NodeJS.ProcessEnv = {};

  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runCli(argv, {
      env,
      stdout: (text) => (out += text),
      stderr: (text) => (err += text),
    });
    return { code, out, err };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sportello-hub-cli-'));
    if (backend === 'postgres') schema = await createTestSchema(DATABASE_URL!);
    // The data dir as the CLI finds it: <SPORTELLO_DATA_DIR>/hub.
    env.SPORTELLO_DATA_DIR = dir;
    if (schema) env.DATABASE_URL = schema.url;
    hub = await startHub({ dataDir: join(dir, 'hub'), databaseUrl: schema?.url });
  });
  afterAll(async () => {
    await hub?.close();
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets up a comune and frazione, and makes a code a kiosk enrolls with', async () => {
    expect(await cli('comune', 'create', '011002', 'A261', 'Ameglia')).toMatchObject({ code: 0 });
    expect(await cli('frazione', 'create', '011002', 'fiumaretta', 'Fiumaretta')).toMatchObject({ code: 0 });
    const made = await cli('enroll-code', '011002', 'fiumaretta', '--ttl-hours', '2');
    expect(made.code).toBe(0);
    const kiosk = new TestKiosk(hub.url);
    const enrollment = await kiosk.enroll(made.out.trim());
    expect(enrollment).toMatchObject({
      comune: { istat: '011002', name: 'Ameglia' },
      frazione: { code: 'fiumaretta', name: 'Fiumaretta' },
    });

    // Pushes to the new comune: no catalog published there, so any service code goes; numbered A261-….
    const item = await kiosk.item({ service: 'residenza' });
    const [result] = (await kiosk.push([item])).results;
    expect(result).toMatchObject({ status: 'accepted', protocolNumber: expect.stringMatching(/^A261-\d{4}-000001$/) });

    const listed = await cli('requests', '--json');
    expect(listed.code).toBe(0);
    const requests = JSON.parse(listed.out) as Array<Record<string, unknown>>;
    expect(requests.find((r) => r.id === item.id)).toMatchObject({
      kioskId: enrollment.kioskId,
      comune: '011002',
      frazione: 'fiumaretta',
      status: 'accepted',
    });
    expect(listed.out).not.toContain(item.sealed.slice(0, 40));
    expect(listed.out).not.toMatch(/sealed/i);
    expect((await cli('requests')).out).toContain(item.id);

    expect(await cli('status', item.id, 'answered', 'Pronto', 'da', 'ritirare.')).toMatchObject({ code: 0 });
    const pulled = await kiosk.pull();
    expect(pulled.statusChanges).toEqual([
      { submissionId: item.id, status: 'answered', answer: 'Pronto da ritirare.', at: expect.any(String) },
    ]);

    const kiosks = JSON.parse((await cli('kiosks', '--json')).out) as Array<{ id: string; revokedAt: string | null }>;
    expect(kiosks.find((k) => k.id === enrollment.kioskId)?.revokedAt).toBeNull();
    expect(await cli('revoke', enrollment.kioskId)).toMatchObject({ code: 0 });
    await expect(kiosk.heartbeat()).rejects.toMatchObject({ status: 403, code: 'REVOKED_KIOSK' });
  });

  it('says what is wrong with exit code 1 for a refused action and 2 for bad usage', async () => {
    expect(await cli('comune', 'create', '011002', 'A261', 'Ameglia')).toMatchObject({
      code: 1,
      err: expect.stringContaining('ALREADY_EXISTS'),
    });
    expect(await cli('enroll-code', '011002', 'atlantide')).toMatchObject({
      code: 1,
      err: expect.stringContaining('NOT_FOUND'),
    });
    expect(await cli('comune', 'create', '11002', 'A261', 'Ameglia')).toMatchObject({
      code: 1,
      err: expect.stringContaining('INVALID_INPUT'),
    });
    expect(await cli('revoke', '0190b6c8-0000-7000-8000-000000000000')).toMatchObject({ code: 1 });
    expect(await cli('status', '0190b6c8-0000-7000-8000-000000000000', 'lost')).toMatchObject({ code: 2 });
    expect(await cli('frobnicate')).toMatchObject({ code: 2, err: expect.stringContaining('usage') });
    expect(await cli('requests', '--jsn')).toMatchObject({ code: 2 });
    expect(await cli('help')).toMatchObject({ code: 0, out: expect.stringContaining('enroll-code') });
  });

  it('prints the OpenAPI document the hub serves', async () => {
    const printed: unknown = JSON.parse((await cli('openapi')).out);
    expect(printed).toEqual(await (await fetch(`${hub.url}/openapi.json`)).json());
  });
});
