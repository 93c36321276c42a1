/**
 * A reader service owns one transport and one frame decoder: bytes in, typed
 * `read` / `unreadable` events out, plus the line's `state`. Readers only talk,
 * so there are no commands to serialise; the transport reconnects by itself after
 * an unplug, and the service drops a half-received frame when the line goes away.
 *
 * Privacy: events carry the personal data the flow needs; nothing personal is
 * logged (only reader, kind and reason) and `lastReads` keeps masked summaries.
 */
import { EventEmitter } from 'node:events';
import type { Transport, TransportState } from '../transport/types';
import { createMagstripeDecoder, parseTesseraSanitaria } from './magstripe';
import type {
  MagstripeDecoderOptions,
  MagstripeFrameReason,
  TesseraSanitariaRead,
  TesseraSanitariaReason,
} from './magstripe';
import { initials, maskCodiceFiscale, maskMiddle } from './mask';
import { createMrzDecoder, parseMrz } from './mrz';
import type { MrzDecoderOptions, MrzFrameReason, MrzRead, MrzReason } from './mrz';
import { classifyScan, createScannerDecoder } from './scanner';
import type { ScanRead, ScanReason, ScannerDecoderOptions, ScannerFrameReason } from './scanner';
import type { FrameDecoder, Parsed, ReaderLogger, Unreadable } from './types';

export type ReaderKind = 'scanner' | 'magstripe' | 'mrz';

/** A field of a masked read: already safe to show on a technician's screen. */
export type MaskedValue = string | number | boolean | null;

export type LastRead = { at: number; reader: ReaderKind } & (
  { outcome: 'read'; kind: string; masked: Record<string, MaskedValue> } | { outcome: 'unreadable'; reason: string }
);

export type ReaderServiceEvents<R, E extends string> = {
  read: [read: R];
  unreadable: [event: Unreadable<E | 'internal'>];
  state: [state: TransportState];
};

type Timers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

const globalTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export type ReaderServiceOptions<F, R, E extends string> = {
  reader: ReaderKind;
  transport: Transport;
  decoder: FrameDecoder<F, E>;
  parse: (frame: F, now: number) => Parsed<R, E>;
  mask: (read: R) => { kind: string; masked: Record<string, MaskedValue> };
  now?: () => number;
  logger?: ReaderLogger;
  /** How many masked reads `lastReads` keeps. Default 20. */
  historySize?: number;
  timers?: Timers;
};

export type ReaderServiceCommonOptions = Pick<
  ReaderServiceOptions<never, never, never>,
  'transport' | 'now' | 'logger' | 'historySize' | 'timers'
>;

export class ReaderService<F, R, E extends string> extends EventEmitter<ReaderServiceEvents<R, E>> {
  readonly reader: ReaderKind;
  private readonly transport: Transport;
  private readonly decoder: FrameDecoder<F, E>;
  private readonly parseFrame: (frame: F, now: number) => Parsed<R, E>;
  private readonly maskRead: (read: R) => { kind: string; masked: Record<string, MaskedValue> };
  private readonly now: () => number;
  private readonly logger: ReaderLogger | undefined;
  private readonly historySize: number;
  private readonly timers: Timers;
  private readonly history: LastRead[] = [];
  private timer: unknown = null;
  private started = false;
  private lastState: TransportState;

  constructor(options: ReaderServiceOptions<F, R, E>) {
    super();
    this.reader = options.reader;
    this.transport = options.transport;
    this.decoder = options.decoder;
    this.parseFrame = options.parse;
    this.maskRead = options.mask;
    this.now = options.now ?? (() => Date.now());
    this.logger = options.logger;
    this.historySize = options.historySize ?? 20;
    this.timers = options.timers ?? globalTimers;
    this.lastState = options.transport.state;
  }

  /** The serial line's state as last reported by the transport. */
  get state(): TransportState {
    return this.lastState;
  }

  /** Opens the transport and starts reading; idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.transport.on('data', this.onData);
    this.transport.on('connected', this.onConnected);
    this.transport.on('disconnected', this.onDisconnected);
    this.transport.on('error', this.onError);
    this.transport.open();
    this.setState(this.transport.state);
  }

  /** Stops reading, drops any half-received frame and closes the transport; idempotent. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.cancelTimer();
    this.decoder.flush();
    this.transport.off('data', this.onData);
    this.transport.off('connected', this.onConnected);
    this.transport.off('disconnected', this.onDisconnected);
    this.transport.off('error', this.onError);
    await this.transport.close();
    this.setState('closed');
  }

  /** The last `n` reads and failures, newest first, with personal fields masked. */
  lastReads(n = this.historySize): LastRead[] {
    return this.history.slice(-n).reverse();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.handle(this.decoder.feed(chunk, this.now()));
  };

  private readonly onConnected = (): void => this.setState('connected');

  private readonly onDisconnected = (): void => {
    // A frame cut by the unplug is reported (truncated), never glued to the next one.
    this.cancelTimer();
    this.handle(this.decoder.flush());
    this.setState('disconnected');
  };

  private readonly onError = (err: Error): void => {
    this.logger?.warn({ event: 'reader.transportError', reader: this.reader, error: err.name });
  };

  private readonly onTimer = (): void => {
    this.timer = null;
    this.handle(this.decoder.tick(this.now()));
  };

  private handle(outputs: ReturnType<FrameDecoder<F, E>['feed']>): void {
    const at = this.now();
    for (const output of outputs) {
      if (output.kind === 'unreadable') {
        this.failed(at, output.reason, output.detail);
        continue;
      }
      let parsed: Parsed<R, E>;
      try {
        parsed = this.parseFrame(output.frame, at);
      } catch (err) {
        // A parser bug must not take the runtime down with it; the name only, messages can quote input.
        this.logger?.warn({ event: 'reader.parseFailed', reader: this.reader, error: (err as Error).name });
        this.failed(at, 'internal', undefined);
        continue;
      }
      if (parsed.ok) this.succeeded(at, parsed.value);
      else this.failed(at, parsed.reason, parsed.detail);
    }
    this.schedule();
  }

  private succeeded(at: number, read: R): void {
    const { kind, masked } = this.maskRead(read);
    this.remember({ at, reader: this.reader, outcome: 'read', kind, masked });
    this.logger?.info({ event: 'reader.read', reader: this.reader, kind });
    this.safeEmit('read', read);
  }

  private failed(at: number, reason: E | 'internal', detail: string | undefined): void {
    this.remember({ at, reader: this.reader, outcome: 'unreadable', reason });
    this.logger?.warn({ event: 'reader.unreadable', reader: this.reader, reason, detail });
    this.safeEmit(
      'unreadable',
      detail === undefined ? { kind: 'unreadable', reason } : { kind: 'unreadable', reason, detail },
    );
  }

  /** A throwing listener is the listener's bug; it must not stop the reader. */
  private safeEmit<K extends keyof ReaderServiceEvents<R, E>>(event: K, ...args: ReaderServiceEvents<R, E>[K]): void {
    try {
      (this.emit as (e: K, ...a: ReaderServiceEvents<R, E>[K]) => boolean)(event, ...args);
    } catch (err) {
      this.logger?.warn({ event: 'reader.listenerFailed', reader: this.reader, error: (err as Error).name });
    }
  }

  private remember(entry: LastRead): void {
    this.history.push(entry);
    if (this.history.length > this.historySize) this.history.shift();
  }

  private setState(state: TransportState): void {
    if (state === this.lastState) return;
    this.lastState = state;
    this.logger?.info({ event: 'reader.state', reader: this.reader, state });
    this.safeEmit('state', state);
  }

  private schedule(): void {
    this.cancelTimer();
    const deadline = this.decoder.deadline();
    if (deadline === null || !this.started) return;
    this.timer = this.timers.setTimeout(this.onTimer, Math.max(1, deadline - this.now()));
  }

  private cancelTimer(): void {
    if (this.timer === null) return;
    this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}

export type ScannerService = ReaderService<string, ScanRead, ScannerFrameReason | ScanReason>;
export type MagstripeService = ReaderService<
  Parameters<typeof parseTesseraSanitaria>[0],
  TesseraSanitariaRead,
  MagstripeFrameReason | TesseraSanitariaReason
>;
export type MrzService = ReaderService<Parameters<typeof parseMrz>[0], MrzRead, MrzFrameReason | MrzReason>;

export function maskScan(read: ScanRead): { kind: string; masked: Record<string, MaskedValue> } {
  switch (read.kind) {
    case 'codiceFiscale':
      return { kind: read.kind, masked: { codiceFiscale: maskCodiceFiscale(read.codiceFiscale) } };
    case 'receiptQr':
      return { kind: read.kind, masked: { requestCode: read.requestCode, pickupSecret: read.pickupSecret !== null } };
    case 'pagopa':
      return {
        kind: read.kind,
        masked: {
          noticeNumber: maskMiddle(read.noticeNumber, 0, 4),
          creditorFiscalCode: read.creditorFiscalCode,
          amountCents: read.amountCents,
        },
      };
    case 'technicianCard':
      // A credential: the technician sees that a card was read, nothing of it.
      return { kind: read.kind, masked: { card: true } };
    case 'unknown':
      return { kind: read.kind, masked: { length: read.text.length } };
    default:
      return unreachable(read);
  }
}

function unreachable(value: never): never {
  throw new Error(`unexpected scan kind ${String((value as { kind?: unknown }).kind)}`);
}

export function maskTesseraSanitaria(read: TesseraSanitariaRead): {
  kind: string;
  masked: Record<string, MaskedValue>;
} {
  return {
    kind: read.kind,
    masked: {
      codiceFiscale: maskCodiceFiscale(read.codiceFiscale),
      surname: read.surname === null ? null : initials(read.surname),
      givenName: read.givenName === null ? null : initials(read.givenName),
      namesMatchCodiceFiscale: read.namesMatchCodiceFiscale,
    },
  };
}

export function maskMrz(read: MrzRead): { kind: string; masked: Record<string, MaskedValue> } {
  return {
    kind: read.kind,
    masked: {
      format: read.format,
      documentKind: read.documentKind,
      issuingState: read.issuingState,
      documentNumber: maskMiddle(read.documentNumber, 2, 2),
      surname: initials(read.surname),
      givenNames: initials(read.givenNames),
      expired: read.expired,
    },
  };
}

/** A barcode scanner service: classified scans (codice fiscale, receipt QR, pagoPA, unknown). */
export function createScannerService(
  options: ReaderServiceCommonOptions & { decoder?: ScannerDecoderOptions },
): ScannerService {
  return new ReaderService({
    ...options,
    reader: 'scanner',
    decoder: createScannerDecoder(options.decoder),
    parse: (line) => classifyScan(line),
    mask: maskScan,
  });
}

/** A magstripe reader service: Tessera Sanitaria swipes. */
export function createMagstripeService(
  options: ReaderServiceCommonOptions & { decoder?: MagstripeDecoderOptions },
): MagstripeService {
  return new ReaderService({
    ...options,
    reader: 'magstripe',
    decoder: createMagstripeDecoder(options.decoder),
    parse: (swipe) => parseTesseraSanitaria(swipe),
    mask: maskTesseraSanitaria,
  });
}

/** An MRZ reader service: CIE and passport MRZs with check digits and expiry. */
export function createMrzService(options: ReaderServiceCommonOptions & { decoder?: MrzDecoderOptions }): MrzService {
  return new ReaderService({
    ...options,
    reader: 'mrz',
    decoder: createMrzDecoder(options.decoder),
    parse: (frame, now) => parseMrz(frame, now),
    mask: maskMrz,
  });
}
