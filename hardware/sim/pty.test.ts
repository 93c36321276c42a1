import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { createPtyPair } from './pty';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115200 }, (err) => (err ? reject(err) : resolve(port)));
  });
}

describe('virtual serial cable (socat PTY pair)', () => {
  it('carries bytes both ways between the kiosk end and the device end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sportello-pty-'));
    dirs.push(dir);
    const pair = await createPtyPair(dir, 'printer');
    const kiosk = await open(pair.kioskPath);
    const device = await open(pair.devicePath);
    const got = new Promise<string>((r) => device.once('data', (d: Buffer) => r(d.toString())));
    kiosk.write('ping');
    expect(await got).toBe('ping');
    await new Promise((r) => kiosk.close(r));
    await new Promise((r) => device.close(r));
    await pair.close();
  });

  it('makes both paths vanish on unplug and come back on plug', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sportello-pty-'));
    dirs.push(dir);
    const pair = await createPtyPair(dir, 'scanner');
    await pair.unplug();
    expect(existsSync(pair.kioskPath)).toBe(false);
    expect(pair.plugged).toBe(false);
    await pair.plug();
    expect(existsSync(pair.kioskPath)).toBe(true);
    await pair.close();
  });
});
