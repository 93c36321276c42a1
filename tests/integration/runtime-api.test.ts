import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ResponseFrame } from '../../kiosk-shell/api/contract';
import { parseConfig } from '../../kiosk-shell/runtime/config';
import { createLogger } from '../../kiosk-shell/runtime/log';
import { DEFAULT_CONFIG } from '../../kiosk-shell/runtime/paths';
import { startRuntime } from '../../kiosk-shell/runtime/runtime';
import type { Runtime } from '../../kiosk-shell/runtime/runtime';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function boot(opts: { dataDir?: string; token?: string } = {}): Promise<Runtime & { token: string }> {
  const dataDir = opts.dataDir ?? tempDir('sportello-data-');
  const uiDir = tempDir('sportello-ui-');
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>ui</title>');
  mkdirSync(join(uiDir, 'assets'));
  writeFileSync(join(uiDir, 'assets', 'app.js'), 'export {};');
  const config = parseConfig(JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')), 'demo', { SPORTELLO_DATA_DIR: dataDir });
  const token = opts.token ?? 'test-token-0123456789';
  const runtime = await startRuntime({ config, log: createLogger({ level: 'silent' }), browser: { uiDir, token } });
  cleanups.push(() => runtime.close());
  return { ...runtime, token };
}

type Client = {
  ws: WebSocket;
  call(frame: unknown): Promise<ResponseFrame>;
  raw(text: string | Buffer): Promise<ResponseFrame>;
};

function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const waiting: Array<(f: ResponseFrame) => void> = [];
    ws.on('message', (data: Buffer) => waiting.shift()?.(JSON.parse(data.toString('utf8')) as ResponseFrame));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('open', () => {
      cleanups.push(() => ws.close());
      const raw = (text: string | Buffer) =>
        new Promise<ResponseFrame>((res) => {
          waiting.push(res);
          ws.send(text);
        });
      resolve({ ws, raw, call: (frame) => raw(JSON.stringify(frame)) });
    });
  });
}

const apiUrl = (rt: Runtime, token?: string) =>
  `ws://127.0.0.1:${rt.server?.port}/api${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;

describe('runtime in browser mode, over a real SQLite file and a real socket', () => {
  it('answers info.get from the SQLite store: a change in the file shows in the answer', async () => {
    const rt = await boot();
    const client = await connect(apiUrl(rt, rt.token));
    const first = await client.call({ id: 1, method: 'info.get', input: {} });
    expect(first.result.ok).toBe(true);
    const value = (
      first.result as { ok: true; value: { offices: Array<{ id: string; name: string }>; nearestStaffedId: string } }
    ).value;
    expect(value.offices.map((o) => o.id)).toEqual([
      'chiosco-colombiera',
      'sportello-molicciara',
      'municipio-anagrafe',
    ]);
    expect(value.nearestStaffedId).toBe('sportello-molicciara');

    rt.store.db.prepare("UPDATE offices SET name = 'Renamed in the store' WHERE id = 'municipio-anagrafe'").run();
    const second = await client.call({ id: 2, method: 'info.get', input: {} });
    expect(JSON.stringify(second)).toContain('Renamed in the store');
  });

  it('describes the kiosk: comune, frazione, languages, in service', async () => {
    const rt = await boot();
    const client = await connect(apiUrl(rt, rt.token));
    const res = await client.call({ id: 1, method: 'kiosk.describe', input: {} });
    expect(res.result).toMatchObject({
      ok: true,
      value: {
        comune: { name: 'Castelnuovo Magra', istat: '011011' },
        frazione: 'Colombiera',
        locales: ['it', 'en', 'de', 'fr', 'ar'],
        status: { inService: true },
        nearestCounter: { name: 'Sportello decentrato di Molicciara' },
      },
    });
  });

  it('reports an unenrolled kiosk as not syncing, with nothing queued', async () => {
    const rt = await boot();
    const client = await connect(apiUrl(rt, rt.token));
    expect((await client.call({ id: 1, method: 'sync.status', input: {} })).result).toMatchObject({
      ok: true,
      value: { enrolled: false, online: false, queued: 0 },
    });
  });

  it('refuses a connection without the token, with a wrong token, or from another origin', async () => {
    const rt = await boot();
    await expect(connect(apiUrl(rt))).rejects.toThrow('HTTP 401');
    await expect(connect(apiUrl(rt, 'wrong'))).rejects.toThrow('HTTP 401');
    await expect(connect(apiUrl(rt, `${rt.token}x`))).rejects.toThrow('HTTP 401');
    await expect(connect(apiUrl(rt, rt.token), { Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(connect(apiUrl(rt, rt.token), { Origin: rt.server?.origin ?? '' })).resolves.toBeDefined();
  });

  it('answers malformed calls with coded errors and keeps serving this and other clients', async () => {
    const rt = await boot();
    const bad = await connect(apiUrl(rt, rt.token));
    const good = await connect(apiUrl(rt, rt.token));
    expect((await bad.raw('not json')).result).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
    expect((await bad.raw(Buffer.from([0xff, 0x00, 0x13]))).result).toMatchObject({
      ok: false,
      error: { code: 'BAD_FRAME' },
    });
    expect((await bad.call({ id: 5, method: 'no.such', input: {} })).result).toMatchObject({
      ok: false,
      error: { code: 'UNKNOWN_METHOD' },
    });
    expect((await bad.call({ id: 6, method: 'session.ended', input: { reason: 42 } })).result).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect((await bad.call({ id: 7, method: 'info.get', input: {} })).result.ok).toBe(true);
    expect((await good.call({ id: 1, method: 'info.get', input: {} })).result.ok).toBe(true);
  });

  it('drops a client that sends an oversized frame, and only that client', async () => {
    const rt = await boot();
    const big = await connect(apiUrl(rt, rt.token));
    const other = await connect(apiUrl(rt, rt.token));
    const closed = new Promise<number>((r) => big.ws.once('close', (code) => r(code)));
    big.ws.send('x'.repeat(200 * 1024));
    expect(await closed).toBe(1009);
    expect((await other.call({ id: 1, method: 'kiosk.describe', input: {} })).result.ok).toBe(true);
  });

  it('counts ended sessions in the file, surviving a restart', async () => {
    const dataDir = tempDir('sportello-data-');
    const rt = await boot({ dataDir });
    const c = await connect(apiUrl(rt, rt.token));
    await c.call({ id: 1, method: 'session.ended', input: { reason: 'idle' } });
    c.ws.close();
    await rt.close();
    const again = await boot({ dataDir });
    const c2 = await connect(apiUrl(again, again.token));
    const res = await c2.call({ id: 2, method: 'session.ended', input: { reason: 'done' } });
    expect(res.result).toEqual({ ok: true, value: { sessions: 2 } });
  });

  it('serves the UI with its security policy and nothing outside the UI folder', async () => {
    const rt = await boot();
    const origin = rt.server?.origin ?? '';
    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain(`ws://127.0.0.1:${rt.server?.port}`);
    expect((await fetch(`${origin}/assets/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${origin}/..%2f..%2fetc%2fpasswd`)).status).toBe(404);
    expect((await fetch(`${origin}/%2e%2e/sportello.db`)).status).toBe(404);
    expect((await fetch(`${origin}/`, { method: 'POST' })).status).toBe(405);
  });

  it('starts out of service, never silently empty, over a corrupt database', async () => {
    const dataDir = tempDir('sportello-data-');
    writeFileSync(join(dataDir, 'sportello.db'), 'garbage '.repeat(1000));
    const rt = await boot({ dataDir });
    expect(rt.status()).toEqual({ inService: false, outOfServiceReason: 'STORE_INTEGRITY' });
    const c = await connect(apiUrl(rt, rt.token));
    expect((await c.call({ id: 1, method: 'info.get', input: {} })).result).toMatchObject({
      ok: false,
      error: { code: 'OUT_OF_SERVICE' },
    });
    expect((await c.call({ id: 2, method: 'kiosk.describe', input: {} })).result).toMatchObject({
      ok: true,
      value: { status: { inService: false }, supportPhone: '+39 0187 000 099' },
    });
  });
});
