/**
 * What a device service needs from a serial line. `SerialTransport` implements
 * it over serialport; tests may implement it over anything that carries bytes.
 */
export type TransportState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export type TransportEvents = {
  connected: [];
  disconnected: [reason: string];
  data: [chunk: Buffer];
  error: [error: Error];
};

export interface Transport {
  readonly path: string;
  readonly state: TransportState;
  /** Starts connecting (and reconnecting after an unplug) until close(). */
  open(): void;
  /** Writes and drains; rejects with DeviceError TIMEOUT when the line never calls back, OFFLINE when not connected. */
  write(bytes: Uint8Array, timeoutMs?: number): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
  on<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): this;
  off<E extends keyof TransportEvents>(event: E, listener: (...args: TransportEvents[E]) => void): this;
}
