/**
 * Test helpers for the readers (not shipped code): a Transport over nothing for
 * the service unit tests, and ways to feed a decoder. Integration tests use the
 * real serial transport over socat PTYs instead.
 */
import { EventEmitter } from 'node:events';
import { DeviceError } from '../errors';
import type { Transport, TransportEvents, TransportState } from '../transport/types';
import type { DecoderOutput, FrameDecoder } from './types';

/** Feeds `chunks` at `now` (all at once unless `step` ms apart), then ticks past the timeout. */
export function decodeAll<F, R extends string>(
  decoder: FrameDecoder<F, R>,
  chunks: readonly Uint8Array[],
  { now = 0, step = 0, settle = true }: { now?: number; step?: number; settle?: boolean } = {},
): DecoderOutput<F, R>[] {
  const out: DecoderOutput<F, R>[] = [];
  let t = now;
  for (const chunk of chunks) {
    out.push(...decoder.feed(chunk, t));
    t += step;
  }
  if (settle) out.push(...decoder.tick(t + 60_000));
  return out;
}

/** The bytes cut in two at `at`. */
export function splitAt(bytes: Uint8Array, at: number): [Uint8Array, Uint8Array] {
  return [bytes.subarray(0, at), bytes.subarray(at)];
}

/** The bytes one at a time. */
export function bytewise(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
}

/** Only the frames of a decoder's output. */
export function framesOf<F, R extends string>(outputs: readonly DecoderOutput<F, R>[]): F[] {
  return outputs.flatMap((o) => (o.kind === 'frame' ? [o.frame] : []));
}

/** Only the unreadable reasons of a decoder's output. */
export function reasonsOf<F, R extends string>(outputs: readonly DecoderOutput<F, R>[]): R[] {
  return outputs.flatMap((o) => (o.kind === 'unreadable' ? [o.reason] : []));
}

/** A Transport over nothing: `push()` plays the device, `unplug()` / `plug()` the cable. */
export class MemoryTransport implements Transport {
  readonly path: string;
  readonly written: Uint8Array[] = [];
  private readonly events = new EventEmitter<TransportEvents>();
  private current: TransportState = 'disconnected';
  private pluggedIn = true;
  closeCalls = 0;

  constructor(path = 'memory://reader') {
    this.path = path;
  }

  get state(): TransportState {
    return this.current;
  }

  open(): void {
    if (this.current === 'connected' || this.current === 'connecting') return;
    this.current = 'connecting';
    if (this.pluggedIn) this.connect();
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.current !== 'connected') return Promise.reject(new DeviceError('OFFLINE', 'not connected', this.path));
    this.written.push(bytes);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closeCalls++;
    this.current = 'closed';
    return Promise.resolve();
  }

  /** Bytes from the device, as one chunk. */
  push(bytes: Uint8Array | string): void {
    if (this.current !== 'connected') return;
    this.events.emit('data', typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes));
  }

  unplug(): void {
    this.pluggedIn = false;
    if (this.current !== 'connected') return;
    this.current = 'connecting';
    this.events.emit('disconnected', 'unplugged');
  }

  plug(): void {
    this.pluggedIn = true;
    if (this.current === 'connecting') this.connect();
  }

  on<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): this {
    (this.events.on as (e: E, l: (...args: TransportEvents[E]) => void) => unknown)(event, listener);
    return this;
  }

  off<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): this {
    (this.events.off as (e: E, l: (...args: TransportEvents[E]) => void) => unknown)(event, listener);
    return this;
  }

  listenerCount(event: keyof TransportEvents): number {
    return this.events.listenerCount(event);
  }

  private connect(): void {
    this.current = 'connected';
    this.events.emit('connected');
  }
}
