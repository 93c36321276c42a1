/**
 * A serial line that survives unplugs. It opens the configured path and, whenever
 * the port is lost (the cable pulled, the path gone, a write that never completes),
 * drops that port object and opens a new one with capped exponential backoff:
 * a closed serialport object is never reused. Until close(), it keeps trying.
 *
 * Loss is noticed three ways: serialport's 'close' event (a failed read or write),
 * a write that does not drain in time, and a cheap periodic stat of the path (a
 * PTY or a USB adapter that vanishes while the line is idle gives no read error).
 */
import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { DeviceError } from '../errors';
import type { Clock, TimerHandle } from './clock';
import { systemClock } from './clock';
import type { Transport, TransportEvents, TransportState } from './types';

/** The part of a serialport object the transport uses (a SerialPort satisfies it). */
export type SerialLine = {
  readonly isOpen: boolean;
  open(callback: (err: Error | null) => void): void;
  write(data: Buffer, callback: (err: Error | null | undefined) => void): boolean;
  drain(callback: (err: Error | null) => void): void;
  close(callback: (err: Error | null) => void): void;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: (err?: Error | null) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeAllListeners(): unknown;
};

export type OpenLine = (path: string, baudRate: number) => SerialLine;

export type BackoffOptions = { initialMs?: number; maxMs?: number; factor?: number };

export type SerialTransportOptions = {
  path: string;
  baudRate?: number;
  /** Name used in errors ("printer"). */
  device?: string;
  /** Reconnect delays: initialMs, then × factor, capped at maxMs (defaults 100 ms, ×2, 1 s). */
  backoff?: BackoffOptions;
  /** Slack added to the line time of a write before it counts as never completing (default 2 s). */
  writeTimeoutMs?: number;
  /** How often a connected path is checked to still be the device we opened (default 500 ms; 0 = never). */
  presenceCheckMs?: number;
  clock?: Clock;
  /** Makes the port object; tests pass a fake, production gets serialport. */
  openLine?: OpenLine;
  /** Identity of the device behind `path` (null when absent); defaults to its stat dev/ino/rdev. */
  identify?: (path: string) => string | null;
};

const defaultOpenLine: OpenLine = (path, baudRate) => new SerialPort({ path, baudRate, autoOpen: false });

function defaultIdentify(path: string): string | null {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}:${st.rdev}`;
  } catch {
    return null;
  }
}

/** Delay before reconnect attempt number `attempt` (0-based). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 1000;
  const factor = options.factor ?? 2;
  return Math.min(max, initial * factor ** Math.min(attempt, 30));
}

/** Milliseconds `bytes` take on a line at `baudRate` (8N1: 10 bits per byte). */
export function lineTimeMs(bytes: number, baudRate: number): number {
  return (bytes * 10 * 1000) / baudRate;
}

type PendingWrite = { fail(err: DeviceError): void };

const noop = () => undefined;

export class SerialTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly path: string;
  readonly baudRate: number;
  private readonly device: string;
  private readonly backoff: BackoffOptions;
  private readonly writeTimeoutMs: number;
  private readonly presenceCheckMs: number;
  private readonly clock: Clock;
  private readonly openLine: OpenLine;
  private readonly identify: (path: string) => string | null;

  private current: TransportState = 'disconnected';
  private wanted = false;
  private line: SerialLine | null = null;
  private identity: string | null = null;
  private attempt = 0;
  private retryTimer: TimerHandle | null = null;
  private presenceTimer: TimerHandle | null = null;
  private readonly pending = new Set<PendingWrite>();
  private closing: Promise<void> | null = null;

  constructor(options: SerialTransportOptions) {
    super();
    this.path = options.path;
    this.baudRate = options.baudRate ?? 115200;
    this.device = options.device ?? 'serial';
    this.backoff = options.backoff ?? {};
    this.writeTimeoutMs = options.writeTimeoutMs ?? 2000;
    this.presenceCheckMs = options.presenceCheckMs ?? 500;
    this.clock = options.clock ?? systemClock;
    this.openLine = options.openLine ?? defaultOpenLine;
    this.identify = options.identify ?? defaultIdentify;
  }

  /** 'connecting' while an open is in flight, 'disconnected' between attempts, 'closed' after close(). */
  get state(): TransportState {
    return this.current;
  }

  /** Starts connecting, and reconnecting after every loss, until close(). */
  open(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.closing = null;
    this.attempt = 0;
    this.connect();
  }

  /** Writes and waits for the bytes to leave: OFFLINE when not connected or the port fails, TIMEOUT when it never completes. */
  write(bytes: Uint8Array, timeoutMs?: number): Promise<void> {
    const line = this.line;
    if (!line || this.current !== 'connected') {
      return Promise.reject(new DeviceError('OFFLINE', `${this.device}: not connected (${this.path})`, this.device));
    }
    const limit = timeoutMs ?? this.writeTimeoutMs + Math.ceil(lineTimeMs(bytes.length, this.baudRate));
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (err?: DeviceError) => {
        if (done) return;
        done = true;
        this.clock.clearTimeout(timer);
        this.pending.delete(entry);
        if (err) reject(err);
        else resolve();
      };
      const entry: PendingWrite = { fail: finish };
      const timer = this.clock.setTimeout(() => {
        finish(new DeviceError('TIMEOUT', `${this.device}: write did not complete in ${limit} ms`, this.device));
        // serialport never calls back once its port is gone: treat the line as lost and reopen it.
        this.lost(line, 'write timeout');
      }, limit);
      this.pending.add(entry);
      line.write(Buffer.from(bytes), (err) => {
        if (err) finish(new DeviceError('OFFLINE', `${this.device}: write failed (${err.message})`, this.device));
      });
      line.drain((err) => {
        finish(
          err ? new DeviceError('OFFLINE', `${this.device}: drain failed (${err.message})`, this.device) : undefined,
        );
      });
    });
  }

  /** Stops reconnecting and closes the port. Idempotent: every call returns the same promise. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.wanted = false;
    this.clearTimers();
    const line = this.line;
    this.line = null;
    this.failPending('transport closed');
    this.current = 'closed';
    this.closing = line ? this.release(line) : Promise.resolve();
    return this.closing;
  }

  private connect(): void {
    if (!this.wanted || this.line) return;
    this.current = 'connecting';
    let line: SerialLine;
    try {
      line = this.openLine(this.path, this.baudRate);
    } catch {
      this.retryLater();
      return;
    }
    this.line = line;
    line.on('error', (err) => this.onLineError(line, err));
    line.on('close', (err) => this.lost(line, err?.message ?? 'port closed'));
    line.on('data', (chunk) => {
      if (this.line === line && this.current === 'connected') this.emit('data', chunk);
    });
    line.open((err) => {
      if (this.line !== line) {
        // Abandoned while opening (close() or a timeout): do not leak the descriptor or its lock.
        if (!err) void this.release(line);
        return;
      }
      if (err) {
        this.line = null;
        this.detach(line);
        this.retryLater();
        return;
      }
      this.attempt = 0;
      this.identity = this.identify(this.path);
      this.current = 'connected';
      this.startPresenceCheck(line);
      this.emit('connected');
    });
  }

  private retryLater(): void {
    if (!this.wanted) return;
    this.current = 'disconnected';
    const delay = backoffDelay(this.attempt, this.backoff);
    this.attempt += 1;
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private onLineError(line: SerialLine, err: Error): void {
    if (this.line !== line) return;
    if (this.listenerCount('error') > 0) this.emit('error', err);
    if (this.current === 'connected' && !line.isOpen) this.lost(line, err.message);
  }

  /** The port is gone (or stuck): forget it, fail what waited on it, and start reconnecting. */
  private lost(line: SerialLine, reason: string): void {
    if (this.line !== line) return; // serialport may emit 'close' twice; only the first counts
    this.line = null;
    this.stopPresenceCheck();
    const wasConnected = this.current === 'connected';
    void this.release(line);
    this.failPending(reason);
    if (!this.wanted) return;
    this.current = 'disconnected';
    if (wasConnected) this.emit('disconnected', reason);
    this.attempt = 0;
    this.retryLater();
  }

  private detach(line: SerialLine): void {
    line.removeAllListeners();
    line.on('error', noop); // a late error from a dropped port must not crash the process
  }

  private release(line: SerialLine): Promise<void> {
    this.detach(line);
    if (!line.isOpen) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const guard = this.clock.setTimeout(resolve, 1000);
      line.close(() => {
        this.clock.clearTimeout(guard);
        resolve();
      });
    });
  }

  private failPending(reason: string): void {
    for (const entry of [...this.pending]) {
      entry.fail(new DeviceError('OFFLINE', `${this.device}: port lost during write (${reason})`, this.device));
    }
  }

  private startPresenceCheck(line: SerialLine): void {
    if (this.presenceCheckMs <= 0) return;
    const tick = () => {
      this.presenceTimer = null;
      if (this.line !== line) return;
      if (this.identify(this.path) !== this.identity) {
        this.lost(line, `${this.path} vanished`);
        return;
      }
      this.presenceTimer = this.clock.setTimeout(tick, this.presenceCheckMs);
    };
    this.presenceTimer = this.clock.setTimeout(tick, this.presenceCheckMs);
  }

  private stopPresenceCheck(): void {
    if (this.presenceTimer !== null) this.clock.clearTimeout(this.presenceTimer);
    this.presenceTimer = null;
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopPresenceCheck();
  }
}
