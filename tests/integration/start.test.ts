import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, ROOT, UI_DIR } from '../../kiosk-shell/runtime/paths';

const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const START = join(ROOT, 'kiosk-shell', 'runtime', 'start.ts');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'sportello-start-'));
  dirs.push(d);
  return d;
}

function run(env: Record<string, string>, args: string[] = ['--no-window', '--no-build', '--port', '0']) {
  const child = spawn(process.execPath, [TSX, START, ...args], {
    cwd: ROOT,
    env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

function printed(p: ReturnType<typeof run>, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(p.out());
      if (m?.[1]) {
        clearTimeout(timer);
        p.child.stdout.off('data', check);
        resolve(m[1]);
      }
    };
    const timer = setTimeout(() => reject(new Error(`${pattern} not printed: ${p.out()} ${p.err()}`)), timeoutMs);
    p.child.stdout.on('data', check);
    check();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('npm start (the launcher process)', () => {
  it('refuses to start on a broken configuration and names the bad field', async () => {
    const dir = temp();
    const raw = JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')) as { comune: { cap: string } };
    raw.comune.cap = '1903';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(raw));
    const p = run({ SPORTELLO_CONFIG: join(dir, 'bad.json'), SPORTELLO_DATA_DIR: join(dir, 'data') });
    expect(await p.exited).toBe(2);
    expect(p.err()).toContain('comune.cap: the CAP has 5 digits');
    expect(p.out()).not.toContain('Sportello kiosk:');
  });

  it('prints the kiosk and hub addresses, enrolls with the local hub, drives the virtual devices, and stops cleanly on Ctrl+C', async () => {
    // --no-build serves dist/ui as it is; give it a stand-in page when no build exists yet.
    const dir = temp();
    mkdirSync(UI_DIR, { recursive: true });
    try {
      readFileSync(join(UI_DIR, 'index.html'));
    } catch {
      writeFileSync(join(UI_DIR, 'index.html'), '<!doctype html><title>stand-in</title>');
    }
    // The demo configuration with the hub on a port of its own, so parallel runs never meet.
    const raw = JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')) as { hub: { url: string } };
    raw.hub.url = `http://127.0.0.1:${await freePort()}`;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(raw));
    const dataDir = join(dir, 'data');
    const p = run({ SPORTELLO_DATA_DIR: dataDir, SPORTELLO_CONFIG: join(dir, 'config.json') });
    const [url, hubUrl] = await Promise.all([
      printed(p, /Sportello kiosk: (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{20,})/),
      printed(p, /Sportello hub: (http:\/\/127\.0\.0\.1:\d+)/),
    ]);
    expect(hubUrl).toBe(raw.hub.url);
    expect((await fetch(url.split('#')[0] ?? '')).status).toBe(200);
    await printed(p, /(Kiosk enrolled with the local hub)/);

    const sim = spawnSync(process.execPath, [TSX, join(ROOT, 'hardware', 'sim', 'cli.ts'), 'paper', 'near-end'], {
      env: { ...process.env, SPORTELLO_DATA_DIR: dataDir },
      encoding: 'utf8',
    });
    expect(sim.stdout.trim()).toBe('paper near-end');

    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
    // Nothing it started outlives it: the local hub's port is free again.
    await expect(fetch(`${hubUrl}/healthz`)).rejects.toThrow();
  });
});
