/**
 * Virtual card and ID readers on the device end of PTY pairs: the kiosk opens
 * the other end exactly as it opens a real reader, so development, e2e and
 * integration tests run the production decoding path.
 *
 * - scanner:   `scan(text)` sends the text and CR LF, as a serial barcode scanner does;
 * - magstripe: `swipe(tracks)` sends the tracks as given (`%…?;…?`) and CR LF;
 * - MRZ:       `present(lines)` sends the lines joined by CR LF, plus CR LF, as one burst.
 *
 * Each also has `send(bytes)` for raw or garbled input. A reader survives an
 * unplug/plug of its PTY pair: its line reopens the new device end by itself
 * (`waitConnected()` resolves when it has).
 */
import { DeviceError } from '../errors';
import { SerialTransport } from '../transport/serial';

/** How long a failed write waits for the line to reopen before its one retry. */
const RETRY_WAIT_MS = 1000;

export type VirtualReaderOptions = {
  devicePath: string;
  baudRate?: number;
  /** How long start waits for the device end to open (default 3 s); it keeps trying after. */
  readyTimeoutMs?: number;
};

type ReaderName = 'scanner' | 'magstripe' | 'mrz';

export class VirtualReader {
  private readonly transport: SerialTransport;

  constructor(
    readonly name: ReaderName,
    options: VirtualReaderOptions,
  ) {
    this.transport = new SerialTransport({
      path: options.devicePath,
      baudRate: options.baudRate ?? 9600,
      device: `virtual-${name}`,
      presenceCheckMs: 100,
      backoff: { initialMs: 20, maxMs: 200 },
    });
    this.transport.on('error', () => undefined);
  }

  get connected(): boolean {
    return this.transport.state === 'connected';
  }

  /** Resolves once the device end is open, or after `timeoutMs` (it keeps trying). */
  waitConnected(timeoutMs = 3000): Promise<void> {
    this.transport.open();
    return this.connected ? Promise.resolve() : this.reconnected(timeoutMs);
  }

  /**
   * Sends bytes as they are, in one write; rejects (OFFLINE) while unplugged.
   * Right after a replug the line may still hold the old device end (its
   * presence check has not run yet): a write that fails then is tried once
   * more on the reopened line, as a person would present the card again.
   */
  async send(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      await this.transport.write(bytes);
    } catch (err) {
      if (!(err instanceof DeviceError) || err.code !== 'OFFLINE') throw err;
      await this.reconnected(RETRY_WAIT_MS);
      await this.transport.write(bytes);
    }
  }

  /** Resolves when the line next connects, or after `timeoutMs`. */
  private reconnected(timeoutMs: number): Promise<void> {
    this.transport.open();
    return new Promise((resolve) => {
      const transport = this.transport;
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        transport.off('connected', done);
        resolve();
      }
      transport.on('connected', done);
    });
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

export class VirtualScanner extends VirtualReader {
  constructor(options: VirtualReaderOptions) {
    super('scanner', options);
  }

  /** A scan: the text, then CR LF. */
  scan(text: string): Promise<void> {
    return this.send(`${text}\r\n`);
  }
}

export class VirtualMagstripe extends VirtualReader {
  constructor(options: VirtualReaderOptions) {
    super('magstripe', options);
  }

  /** A swipe: the tracks with their sentinels as given, then CR LF. */
  swipe(tracks: string): Promise<void> {
    return this.send(`${tracks}\r\n`);
  }
}

export class VirtualMrz extends VirtualReader {
  constructor(options: VirtualReaderOptions) {
    super('mrz', options);
  }

  /** A document laid on the reader: its MRZ lines as one burst. */
  present(lines: readonly string[]): Promise<void> {
    return this.send(`${lines.join('\r\n')}\r\n`);
  }
}

async function started<R extends VirtualReader>(reader: R, options: VirtualReaderOptions): Promise<R> {
  await reader.waitConnected(options.readyTimeoutMs);
  return reader;
}

export function startVirtualScanner(options: VirtualReaderOptions): Promise<VirtualScanner> {
  return started(new VirtualScanner(options), options);
}

export function startVirtualMagstripe(options: VirtualReaderOptions): Promise<VirtualMagstripe> {
  return started(new VirtualMagstripe(options), options);
}

export function startVirtualMrz(options: VirtualReaderOptions): Promise<VirtualMrz> {
  return started(new VirtualMrz(options), options);
}
