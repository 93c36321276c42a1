import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeviceError } from '../errors';
import type { SerialLine } from './serial';
import { SerialTransport, backoffDelay, lineTimeMs } from './serial';

/**
 * A stand-in for a serialport object, so backoff and timeouts run on fake timers.
 * The real thing is exercised over socat PTYs in tests/integration/printer.test.ts.
 */
class FakeLine extends EventEmitter implements SerialLine {
  isOpen = false;
  written: Buffer[] = [];
  writes: 'complete' | 'hang' = 'complete';
  constructor(private readonly openError: Error | null) {
    super();
  }
  open(callback: (err: Error | null) => void): void {
    queueMicrotask(() => {
      if (this.openError) return callback(this.openError);
      this.isOpen = true;
      callback(null);
    });
  }
  write(data: Buffer, callback: (err: Error | null | undefined) => void): boolean {
    this.written.push(data);
    if (this.writes === 'complete') queueMicrotask(() => callback(null));
    return true;
  }
  drain(callback: (err: Error | null) => void): void {
    if (this.writes === 'complete') queueMicrotask(() => callback(null));
  }
  close(callback: (err: Error | null) => void): void {
    this.isOpen = false;
    queueMicrotask(() => callback(null));
  }
  /** What serialport does when the cable is pulled: 'close' from the stream, then 'close' with a DisconnectedError. */
  pull(): void {
    this.isOpen = false;
    this.emit('close');
    this.emit('close', Object.assign(new Error('EIO: i/o error, read'), { disconnected: true }));
  }
}

function rig(options: { present?: boolean; writeTimeoutMs?: number } = {}) {
  const device = { present: options.present ?? true, id: 'pts-3' };
  const lines: FakeLine[] = [];
  const attempts: number[] = [];
  const transport = new SerialTransport({
    path: '/dev/serial/by-id/usb-printer',
    device: 'printer',
    writeTimeoutMs: options.writeTimeoutMs,
    presenceCheckMs: 500,
    identify: () => (device.present ? device.id : null),
    openLine: () => {
      attempts.push(Date.now());
      const line = new FakeLine(device.present ? null : new Error('No such file or directory'));
      lines.push(line);
      return line;
    },
  });
  const events: string[] = [];
  transport.on('connected', () => events.push('connected'));
  transport.on('disconnected', (reason) => events.push(`disconnected: ${reason}`));
  return { transport, device, lines, attempts, events, last: () => lines[lines.length - 1]! };
}

async function rejection(promise: Promise<unknown>): Promise<DeviceError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DeviceError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SerialTransport', () => {
  it('backs off 100, 200, 400, 800 ms and then every 1 s while the path is missing', async () => {
    const { transport, attempts } = rig({ present: false });
    const t0 = Date.now();
    transport.open();
    await vi.advanceTimersByTimeAsync(5000);
    const gaps = attempts.map((t, i) => t - (i === 0 ? t0 : attempts[i - 1]!));
    expect(gaps.slice(0, 8)).toEqual([0, 100, 200, 400, 800, 1000, 1000, 1000]);
    expect(transport.state).not.toBe('connected');
    await transport.close();
  });

  it('connects at the next attempt once the device is plugged in, at most 1 s later', async () => {
    const { transport, device, events } = rig({ present: false });
    transport.open();
    await vi.advanceTimersByTimeAsync(10_000);
    device.present = true;
    const pluggedAt = Date.now();
    while (transport.state !== 'connected') await vi.advanceTimersByTimeAsync(10);
    expect(Date.now() - pluggedAt).toBeLessThanOrEqual(1000);
    expect(events).toEqual(['connected']);
    await transport.close();
  });

  it('reports one disconnection when serialport fires close twice, and reopens with a new port object', async () => {
    const { transport, lines, events, last } = rig();
    transport.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.state).toBe('connected');
    const first = last();
    first.pull();
    expect(transport.state).toBe('disconnected');
    await vi.advanceTimersByTimeAsync(100);
    expect(transport.state).toBe('connected');
    expect(lines).toHaveLength(2);
    expect(last()).not.toBe(first);
    expect(events).toEqual(['connected', 'disconnected: port closed', 'connected']);
    await transport.close();
  });

  it('refuses a write with OFFLINE while not connected', async () => {
    const { transport } = rig({ present: false });
    expect((await rejection(transport.write(Uint8Array.of(1)))).code).toBe('OFFLINE');
    transport.open();
    expect((await rejection(transport.write(Uint8Array.of(1)))).code).toBe('OFFLINE');
    await transport.close();
  });

  it('turns a write that never calls back into TIMEOUT, then drops that port and opens a new one', async () => {
    const { transport, lines, events, last } = rig();
    transport.open();
    await vi.advanceTimersByTimeAsync(0);
    const stuck = last();
    stuck.writes = 'hang';
    const write = rejection(transport.write(Uint8Array.of(0x1b, 0x40), 300));
    await vi.advanceTimersByTimeAsync(299);
    expect(transport.state).toBe('connected');
    await vi.advanceTimersByTimeAsync(1);
    const err = await write;
    expect(err.code).toBe('TIMEOUT');
    expect(err.device).toBe('printer');
    expect(stuck.isOpen).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(lines).toHaveLength(2);
    expect(transport.state).toBe('connected');
    expect(events).toEqual(['connected', 'disconnected: write timeout', 'connected']);
    await transport.close();
  });

  it('gives a write its time on the line before calling it stuck', () => {
    expect(lineTimeMs(1536, 9600)).toBeCloseTo(1600, 0);
    expect(lineTimeMs(1536, 115200)).toBeCloseTo(133.3, 0);
  });

  it('fails a write in flight with OFFLINE when the port is lost under it', async () => {
    const { transport, last } = rig();
    transport.open();
    await vi.advanceTimersByTimeAsync(0);
    last().writes = 'hang';
    const write = rejection(transport.write(Uint8Array.of(1, 2, 3)));
    last().pull();
    expect((await write).code).toBe('OFFLINE');
    await transport.close();
  });

  it('notices a path that vanished while the line was idle', async () => {
    const { transport, device, events } = rig();
    transport.open();
    await vi.advanceTimersByTimeAsync(0);
    device.present = false;
    await vi.advanceTimersByTimeAsync(500);
    expect(events).toContain('disconnected: /dev/serial/by-id/usb-printer vanished');
    await transport.close();
  });

  it('notices a replug under the same path (a different device behind it)', async () => {
    const { transport, device, events } = rig();
    transport.open();
    await vi.advanceTimersByTimeAsync(0);
    device.id = 'pts-4';
    await vi.advanceTimersByTimeAsync(600);
    expect(events).toEqual(['connected', 'disconnected: /dev/serial/by-id/usb-printer vanished', 'connected']);
    await transport.close();
  });

  it('closes idempotently, fails pending writes and stops reconnecting', async () => {
    const { transport, attempts, last } = rig();
    transport.open();
    await vi.advanceTimersByTimeAsync(0);
    const line = last();
    line.writes = 'hang';
    const write = rejection(transport.write(Uint8Array.of(1)));
    const a = transport.close();
    const b = transport.close();
    expect(a).toBe(b);
    await a;
    expect((await write).code).toBe('OFFLINE');
    expect(line.isOpen).toBe(false);
    line.pull(); // a late close from the old port changes nothing
    await vi.advanceTimersByTimeAsync(5000);
    expect(attempts).toHaveLength(1);
    expect(transport.state).toBe('closed');
  });

  it('survives a port error with nobody listening for errors', async () => {
    const { transport, last } = rig();
    transport.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(() => last().emit('error', new Error('EIO'))).not.toThrow();
    await transport.close();
  });

  it('passes received bytes on only from the current port', async () => {
    const { transport, last } = rig();
    const got: number[] = [];
    transport.on('data', (chunk) => got.push(...chunk));
    transport.open();
    await vi.advanceTimersByTimeAsync(0);
    const first = last();
    first.emit('data', Buffer.from([0x12]));
    first.pull();
    first.emit('data', Buffer.from([0x99]));
    await vi.advanceTimersByTimeAsync(100);
    last().emit('data', Buffer.from([0x16]));
    expect(got).toEqual([0x12, 0x16]);
    await transport.close();
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect([0, 1, 2].map((n) => backoffDelay(n, { initialMs: 50, maxMs: 120, factor: 3 }))).toEqual([50, 120, 120]);
  });
});
