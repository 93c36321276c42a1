/**
 * The receipt printer service: owns one Transport, runs one command at a time,
 * polls the printer's status in the background and says so only when it changes,
 * refuses to print on a printer that cannot, and calls a receipt printed only when
 * the printer has processed all of it and still reports a good status.
 *
 * A print is: DLE EOT 1–4 (must be good) → the receipt bytes followed by GS r 1 →
 * wait for the GS r 1 answer, which a printer sends only after processing what
 * came before it (checking DLE EOT meanwhile, so paper out or an open cover fails
 * the job at once) → DLE EOT 1–4 again (must be good). Anything else is a
 * DeviceError, and the job is never reported as printed.
 */
import { EventEmitter } from 'node:events';
import type { DeviceErrorCode } from '../errors';
import { DeviceError } from '../errors';
import type { Clock, TimerHandle } from '../transport/clock';
import { systemClock } from '../transport/clock';
import type { Transport } from '../transport/types';
import type { PrinterModel } from './encode';
import { encodeBlocks, encodeStoreLogo } from './encode';
import type { LogoBitmap } from './logo';
import type { PaperCounterOptions, PaperUsage } from './paper';
import { PaperCounter, estimateReceiptMm } from './paper';
import type { PartBlock, Receipt } from './receipt';
import { DEFAULT_WIDTH_CHARS, layoutReceipt, layoutReceiptParts } from './receipt';
import type { PrinterStatus } from './status';
import {
  DISABLE_ASB,
  PAPER_STATUS_BARRIER,
  STATUS_QUERY_ALL,
  decodeStatus,
  isPaperStatusByte,
  isRealTimeStatusByte,
  parsePaperStatus,
  statusProblem,
} from './status';

/** pino-compatible: `logger.info({ event, ... }, 'message')`. */
export type Logger = {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

export type PrinterHealth = {
  /** 'not-answering': the port is open but the printer ignores status queries (off, wrong cable, offline). */
  connection: 'connected' | 'disconnected' | 'not-answering';
  /** The last status the printer reported; null when it is not answering. */
  status: PrinterStatus | null;
  /** What stops printing now, or null when a receipt can be printed. */
  problem: DeviceErrorCode | null;
  /** The roll is nearly finished (it still prints). */
  paperNearEnd: boolean;
};

export type PrintResult = { bytes: number; mm: number; paper: PaperUsage };

export type PrinterServiceOptions = {
  transport: Transport;
  model?: PrinterModel;
  widthChars?: number;
  /** Name in errors and logs. */
  device?: string;
  /** Background status poll (default 2 s). */
  pollIntervalMs?: number;
  /** How long a DLE EOT query may take to be answered (default 500 ms). */
  statusTimeoutMs?: number;
  /** How long the printer may take to confirm a whole receipt (default 15 s). */
  printTimeoutMs?: number;
  /** Status checks while a receipt prints (default 250 ms). */
  busyPollMs?: number;
  paper?: PaperCounterOptions;
  /** Height of the stored logo, for the paper estimate; storeLogo() sets it. */
  logoHeightDots?: number;
  logger?: Logger;
  clock?: Clock;
};

type ServiceEvents = {
  status: [health: PrinterHealth];
  /** The paper counter changed (a receipt printed, a roll replaced): persist it here. */
  paper: [usage: PaperUsage, replaced: boolean];
};

const DISCONNECTED: PrinterHealth = {
  connection: 'disconnected',
  status: null,
  problem: 'OFFLINE',
  paperNearEnd: false,
};
const noop = () => undefined;

export class PrinterService extends EventEmitter<ServiceEvents> {
  private readonly transport: Transport;
  private readonly model: PrinterModel;
  private readonly widthChars: number;
  private readonly device: string;
  private readonly pollIntervalMs: number;
  private readonly statusTimeoutMs: number;
  private readonly printTimeoutMs: number;
  private readonly busyPollMs: number;
  private readonly logger: Logger | undefined;
  private readonly clock: Clock;
  private readonly paper: PaperCounter;
  private logoHeightDots: number | undefined;

  private current: PrinterHealth = DISCONNECTED;
  private queue: Promise<unknown> = Promise.resolve();
  private busy = 0;
  private started = false;
  private pollTimer: TimerHandle | null = null;
  /** DLE EOT answers of the query in flight (never more than four). */
  private answers: number[] = [];
  private collecting = false;
  /** The GS r 1 answer of the receipt in flight. */
  private paperAnswer: number | null = null;
  private readonly signals = new EventEmitter<{ rx: []; lost: [] }>();

  private readonly onData = (chunk: Buffer) => {
    for (const byte of chunk) {
      if (isRealTimeStatusByte(byte)) {
        if (this.collecting && this.answers.length < 4) this.answers.push(byte);
      } else if (isPaperStatusByte(byte)) {
        this.paperAnswer = byte;
      }
    }
    this.signals.emit('rx');
  };
  private readonly onConnected = () => {
    void this.run(async () => {
      await this.transport.write(DISABLE_ASB);
      await this.queryStatus();
    }).catch(noop);
  };
  private readonly onDisconnected = () => {
    this.setHealth(DISCONNECTED);
    this.signals.emit('lost');
  };
  private readonly onError = () => undefined; // the transport recovers by itself; its state tells the story

  constructor(options: PrinterServiceOptions) {
    super();
    this.transport = options.transport;
    this.model = options.model ?? 'EPSON';
    this.widthChars = options.widthChars ?? DEFAULT_WIDTH_CHARS;
    this.device = options.device ?? 'printer';
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.statusTimeoutMs = options.statusTimeoutMs ?? 500;
    this.printTimeoutMs = options.printTimeoutMs ?? 15_000;
    this.busyPollMs = options.busyPollMs ?? 250;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.paper = new PaperCounter(options.paper);
    this.logoHeightDots = options.logoHeightDots;
  }

  /** The last known health of the printer. */
  get health(): PrinterHealth {
    return this.current;
  }

  /** Opens the transport and starts the background status poll. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.transport.on('data', this.onData);
    this.transport.on('connected', this.onConnected);
    this.transport.on('disconnected', this.onDisconnected);
    this.transport.on('error', this.onError);
    if (this.transport.state === 'connected') this.onConnected();
    this.transport.open();
    this.schedulePoll();
  }

  /** Stops polling and closes the transport; a job in flight fails with OFFLINE. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    if (this.pollTimer !== null) this.clock.clearTimeout(this.pollTimer);
    this.pollTimer = null;
    this.signals.emit('lost');
    await this.transport.close();
    this.transport.off('data', this.onData);
    this.transport.off('connected', this.onConnected);
    this.transport.off('disconnected', this.onDisconnected);
    this.transport.off('error', this.onError);
    this.setHealth(DISCONNECTED);
  }

  /** Asks the printer for its status now (queued behind any job); throws TIMEOUT or OFFLINE. */
  checkStatus(): Promise<PrinterStatus> {
    return this.run(() => this.queryStatus());
  }

  /** Prints one receipt; resolves only when the printer has processed it and reports a good status. */
  async print(receipt: Receipt): Promise<PrintResult> {
    const blocks = layoutReceipt(receipt, this.widthChars);
    const receiptBytes = encodeBlocks(blocks, { model: this.model, widthChars: this.widthChars });
    const bytes = Buffer.concat([receiptBytes, PAPER_STATUS_BARRIER]);
    const mm = estimateReceiptMm(blocks, { logoHeightDots: this.logoHeightDots });
    return this.run(async () => {
      this.requireConnected();
      this.refuseIfProblem(await this.queryStatus());
      this.paperAnswer = null;
      await this.transport.write(bytes);
      await this.awaitProcessed();
      this.refuseIfProblem(await this.queryStatus());
      this.paper.add(mm);
      const paper = this.paper.usage();
      this.emit('paper', paper, false);
      return { bytes: receiptBytes.length, mm, paper };
    });
  }

  /** Stores the logo in the printer's NV memory; call once per printer (provisioning), not per receipt. */
  storeLogo(logo: LogoBitmap): Promise<void> {
    const bytes = encodeStoreLogo(logo, this.model);
    return this.run(async () => {
      this.requireConnected();
      this.refuseIfProblem(await this.queryStatus());
      await this.transport.write(bytes);
      this.logoHeightDots = logo.height;
    });
  }

  /** Paper used on the current roll and what is left of it (an estimate from receipt layouts). */
  paperUsage(): PaperUsage {
    return this.paper.usage();
  }

  /** A new roll was loaded: the paper counter starts again. */
  paperReplaced(): void {
    this.paper.replaced();
    this.emit('paper', this.paper.usage(), true);
  }

  /** The blocks `print(receipt)` encodes, with the part of the receipt each comes from (for previews). */
  layout(receipt: Receipt): PartBlock[] {
    return layoutReceiptParts(receipt, this.widthChars);
  }

  /** The roll's width in columns. */
  get columns(): number {
    return this.widthChars;
  }

  private run<T>(job: () => Promise<T>): Promise<T> {
    this.busy += 1;
    const result = this.queue.then(job, job).finally(() => {
      this.busy -= 1;
    });
    this.queue = result.catch(noop);
    return result;
  }

  private requireConnected(): void {
    if (this.transport.state !== 'connected') {
      this.setHealth(DISCONNECTED);
      throw new DeviceError('OFFLINE', `${this.device}: not connected`, this.device);
    }
  }

  private refuseIfProblem(status: PrinterStatus): void {
    const problem = statusProblem(status);
    if (problem)
      throw new DeviceError(problem, `${this.device}: ${problem.toLowerCase().replace('_', ' ')}`, this.device);
  }

  private async queryStatus(): Promise<PrinterStatus> {
    this.answers = [];
    this.collecting = true;
    try {
      await this.transport.write(STATUS_QUERY_ALL);
      const answered = await this.waitFor(() => this.answers.length >= 4, this.statusTimeoutMs);
      if (!answered) {
        this.setHealth({ connection: 'not-answering', status: null, problem: 'OFFLINE', paperNearEnd: false });
        throw new DeviceError('TIMEOUT', `${this.device}: no answer to the status query`, this.device);
      }
    } catch (err) {
      if (this.transport.state !== 'connected') this.setHealth(DISCONNECTED);
      throw err;
    } finally {
      this.collecting = false;
    }
    // Every collected byte passed isRealTimeStatusByte, so decoding cannot fail.
    const status = decodeStatus(this.answers.slice(0, 4)) as PrinterStatus;
    this.setHealth({
      connection: 'connected',
      status,
      problem: statusProblem(status),
      paperNearEnd: status.paperNearEnd,
    });
    return status;
  }

  /** Waits for the GS r 1 answer, checking the real-time status meanwhile. */
  private async awaitProcessed(): Promise<void> {
    const deadline = this.clock.now() + this.printTimeoutMs;
    for (;;) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) {
        throw new DeviceError(
          'TIMEOUT',
          `${this.device}: receipt not confirmed in ${this.printTimeoutMs} ms`,
          this.device,
        );
      }
      if (await this.waitFor(() => this.paperAnswer !== null, Math.min(this.busyPollMs, remaining))) {
        const paper = parsePaperStatus(this.paperAnswer ?? 0);
        if (paper?.paperOut) throw new DeviceError('PAPER_OUT', `${this.device}: paper out`, this.device);
        return;
      }
      this.refuseIfProblem(await this.queryStatus());
    }
  }

  /** True when `test` holds within `ms`; false on timeout; OFFLINE when the line is lost meanwhile. */
  private waitFor(test: () => boolean, ms: number): Promise<boolean> {
    if (test()) return Promise.resolve(true);
    return new Promise<boolean>((resolve, reject) => {
      const cleanup = () => {
        this.clock.clearTimeout(timer);
        this.signals.off('rx', onRx);
        this.signals.off('lost', onLost);
      };
      const onRx = () => {
        if (!test()) return;
        cleanup();
        resolve(true);
      };
      const onLost = () => {
        cleanup();
        reject(new DeviceError('OFFLINE', `${this.device}: connection lost`, this.device));
      };
      const timer = this.clock.setTimeout(() => {
        cleanup();
        resolve(false);
      }, ms);
      this.signals.on('rx', onRx);
      this.signals.on('lost', onLost);
    });
  }

  private schedulePoll(): void {
    if (!this.started) return;
    this.pollTimer = this.clock.setTimeout(() => {
      this.pollTimer = null;
      void this.poll().finally(() => this.schedulePoll());
    }, this.pollIntervalMs);
  }

  private async poll(): Promise<void> {
    if (this.busy > 0) return; // a job is talking to the printer and will update the health itself
    if (this.transport.state !== 'connected') {
      this.setHealth(DISCONNECTED);
      return;
    }
    await this.run(() => this.queryStatus()).catch(noop);
  }

  private setHealth(next: PrinterHealth): void {
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    this.current = next;
    const fields = {
      event: 'printer.status',
      device: this.device,
      connection: next.connection,
      problem: next.problem,
      paperNearEnd: next.paperNearEnd,
    };
    if (next.problem) this.logger?.warn(fields, 'printer status changed');
    else this.logger?.info(fields, 'printer status changed');
    this.emit('status', next);
  }
}
