/**
 * The kiosk's devices, built from the configured serial paths: one service
 * per device over its own SerialTransport. It turns the services' states into
 * the contract's `DevicesStatus`, reports changes once, and offers the
 * diagnostics the technician screens use. Personal data from the readers never
 * leaves here except as masked summaries.
 */
import { DeviceError } from '../../hardware/errors';
import type { DeviceErrorCode } from '../../hardware/errors';
import { PrinterService } from '../../hardware/printer/service';
import type { PrinterHealth } from '../../hardware/printer/service';
import { createMagstripeService, createMrzService, createScannerService } from '../../hardware/readers/service';
import { SerialTransport } from '../../hardware/transport/serial';
import type { TransportState } from '../../hardware/transport/types';
import type { Receipt } from '../../hardware/printer/receipt';
import type { MrzRead } from '../../hardware/readers/mrz';
import type { TesseraSanitariaRead } from '../../hardware/readers/magstripe';
import type { ScanRead } from '../../hardware/readers/scanner';
import type { Unreadable } from '../../hardware/readers/types';
import type {
  DeviceState,
  DevicesStatus,
  LastRead,
  PrintOutcome,
  PrintPreview,
  ReadProblem,
  ReaderRead,
} from '../api/contract';
import { layoutSvg } from '../../hardware/printer/preview';
import type { PreviewKind } from '../../hardware/printer/preview';
import type { PaperUsage } from '../../hardware/printer/paper';
import type { Config } from './config';
import { ApiFailure } from './dispatch';
import type { Logger } from './log';

type Reader = {
  state: TransportState;
  start(): void;
  stop(): Promise<void>;
  lastReads(n?: number): LastRead[];
  on(event: 'state', listener: (state: TransportState) => void): unknown;
};

export type DeviceManager = {
  status(): DevicesStatus;
  /** Called with the new status whenever any device's state changes. */
  onStatus(listener: (status: DevicesStatus) => void): () => void;
  testPrint(comune: string, now: Date): Promise<{ mm: number }>;
  /**
   * Prints a resident's receipt; a printer problem is an outcome, not a throw.
   * `kind` decides what its in-memory preview hides (hardware/printer/preview.ts).
   */
  printReceipt(receipt: Receipt, kind: PreviewKind): Promise<PrintOutcome>;
  /** Previews of the last prints, newest first, masked; in memory only. */
  previews(): PrintPreview[];
  /** Every read of every reader, already validated and shaped for the UI. Personal: never log it. */
  onRead(listener: (read: ReaderRead) => void): () => void;
  /** A technician card's token was scanned: a credential, for the runtime's card check only (never `onRead`, never logged). */
  onTechnicianCard(listener: (token: string) => void): () => void;
  lastReads(): LastRead[];
  /** A new paper roll was loaded: the printer's paper counter starts again (no-op without a printer). */
  paperReplaced(): void;
  close(): Promise<void>;
};

type DeviceProblem = NonNullable<DeviceState['problem']>;

const API_CODE: Record<DeviceErrorCode, DeviceProblem> = {
  PAPER_OUT: 'PAPER_OUT',
  COVER_OPEN: 'COVER_OPEN',
  OFFLINE: 'DEVICE_OFFLINE',
  TIMEOUT: 'DEVICE_TIMEOUT',
  DEVICE_ERROR: 'DEVICE_ERROR',
  NOT_CONFIGURED: 'NOT_CONFIGURED',
};

const NOT_CONFIGURED: DeviceState = { connection: 'not-configured', problem: 'NOT_CONFIGURED' };

function readerState(reader: Reader | null): DeviceState {
  if (!reader) return NOT_CONFIGURED;
  switch (reader.state) {
    case 'connected':
      return { connection: 'connected', problem: null };
    case 'connecting':
      return { connection: 'connecting', problem: 'DEVICE_OFFLINE' };
    case 'disconnected':
    case 'closed':
      return { connection: 'disconnected', problem: 'DEVICE_OFFLINE' };
  }
}

type ReaderName = 'scanner' | 'magstripe' | 'mrz';

/** What the UI can tell a resident about a failed read; the detail stays in the technician's log. */
export function readProblem(reason: string): ReadProblem {
  switch (reason) {
    case 'cf-check-char':
    case 'cf-malformed':
      return reason;
    case 'pagopa-invalid':
    case 'receipt-invalid':
    case 'card-invalid':
      return 'not-a-card';
    default:
      return 'unreadable';
  }
}

const noName = { surname: null, givenNames: null, birthDate: null, document: null };

export function scanToRead(scan: ScanRead): ReaderRead {
  switch (scan.kind) {
    case 'codiceFiscale':
      return {
        kind: 'identity',
        reader: 'scanner',
        identity: { source: 'scanner', codiceFiscale: scan.codiceFiscale, ...noName },
      };
    case 'receiptQr':
      return { kind: 'receipt', reader: 'scanner', requestCode: scan.requestCode, pickupSecret: scan.pickupSecret };
    // A technician card never becomes a resident read (the manager routes it away before this).
    case 'technicianCard':
    case 'pagopa':
    case 'unknown':
      return { kind: 'problem', reader: 'scanner', problem: 'not-a-card' };
  }
}

export function tesseraToRead(card: TesseraSanitariaRead): ReaderRead {
  return {
    kind: 'identity',
    reader: 'magstripe',
    identity: {
      ...noName,
      source: 'magstripe',
      codiceFiscale: card.codiceFiscale,
      // Names that do not give the code's letters are a misread or someone else's: keep only the code.
      surname: card.namesMatchCodiceFiscale ? card.surname : null,
      givenNames: card.namesMatchCodiceFiscale ? card.givenName : null,
    },
  };
}

export function mrzToRead(mrz: MrzRead): ReaderRead {
  if (mrz.expired) return { kind: 'problem', reader: 'mrz', problem: 'expired' };
  return {
    kind: 'identity',
    reader: 'mrz',
    identity: {
      source: 'mrz',
      codiceFiscale: null,
      surname: mrz.surname,
      givenNames: mrz.givenNames,
      birthDate: mrz.birthDate,
      document: {
        kind: mrz.documentKind,
        number: mrz.documentNumber,
        issuingState: mrz.issuingState,
        expiryDate: mrz.expiryDate,
      },
    },
  };
}

function printerState(health: PrinterHealth): DeviceState {
  return { connection: health.connection, problem: health.problem === null ? null : API_CODE[health.problem] };
}

/** Where the printer's paper counter is kept between runs (the store, migration 7). */
export type PaperStore = {
  load(): { usedMm: number; receipts: number } | null;
  save(usage: PaperUsage, replaced: boolean): void;
};

/** How many print previews the runtime keeps (in memory only). */
export const PREVIEW_LIMIT = 5;

/** The last prints' previews, newest first; in memory only, outliving a reopen of the devices. */
export type PreviewLog = { add(p: Omit<PrintPreview, 'id' | 'at'>): void; list(): PrintPreview[] };

export function createPreviewLog(now: () => Date = () => new Date(), limit = PREVIEW_LIMIT): PreviewLog {
  const items: PrintPreview[] = [];
  let nextId = 1;
  return {
    add(p) {
      items.unshift({ id: nextId++, at: now().toISOString(), ...p });
      items.length = Math.min(items.length, limit);
    },
    list: () => [...items],
  };
}

export type DeviceOptions = { paper?: PaperStore; previews?: PreviewLog };

/** Builds and starts a service for every configured device path. */
export function createDeviceManager(devices: Config['devices'], log: Logger, opts: DeviceOptions = {}): DeviceManager {
  const deviceLog = log.child({ module: 'devices' });
  const transport = (path: string, device: string, baudRate: number) => new SerialTransport({ path, device, baudRate });
  const previews = opts.previews ?? createPreviewLog();

  const savedPaper = opts.paper?.load() ?? null;
  const printer = devices.printer
    ? new PrinterService({
        transport: transport(devices.printer, 'printer', 115200),
        device: 'printer',
        logger: deviceLog.child({ device: 'printer' }),
        ...(savedPaper && { paper: { usedMm: savedPaper.usedMm, receipts: savedPaper.receipts } }),
      })
    : null;
  printer?.on('paper', (usage, replaced) => {
    try {
      opts.paper?.save(usage, replaced);
    } catch (err) {
      deviceLog.error({ event: 'printer.paper-not-saved', err }, 'paper counter not saved');
    }
  });
  /** Keeps a masked preview of what the printer was given (whether or not it printed). */
  const keepPreview = (receipt: Receipt, kind: PreviewKind, outcome: PrintOutcome) => {
    if (!printer) return;
    try {
      previews.add({ kind, ...outcome, svg: layoutSvg(printer.layout(receipt), kind, printer.columns) });
    } catch (err) {
      deviceLog.warn({ event: 'printer.preview-failed', err }, 'no preview of the last print');
    }
  };
  const readerOptions = (path: string, name: string) => ({
    transport: transport(path, name, 9600),
    logger: deviceLog.child({ device: name }),
  });
  const scanner = devices.barcode ? createScannerService(readerOptions(devices.barcode, 'scanner')) : null;
  const magstripe = devices.magstripe ? createMagstripeService(readerOptions(devices.magstripe, 'magstripe')) : null;
  const mrz = devices.mrz ? createMrzService(readerOptions(devices.mrz, 'mrz')) : null;
  const readers: Array<Reader | null> = [scanner, magstripe, mrz];

  const status = (): DevicesStatus => {
    const health = printer?.health;
    return {
      printer: health
        ? {
            ...printerState(health),
            paperNearEnd: health.paperNearEnd,
            remainingReceipts: printer.paperUsage().remainingReceipts,
          }
        : { ...NOT_CONFIGURED, paperNearEnd: false, remainingReceipts: 0 },
      scanner: readerState(scanner),
      magstripe: readerState(magstripe),
      mrz: readerState(mrz),
    };
  };

  const listeners = new Set<(status: DevicesStatus) => void>();
  let last = JSON.stringify(status());
  const changed = () => {
    const now = status();
    const text = JSON.stringify(now);
    if (text === last) return;
    last = text;
    for (const l of listeners) l(now);
  };
  printer?.on('status', changed);
  for (const r of readers) r?.on('state', changed);
  printer?.start();
  for (const r of readers) r?.start();

  const readListeners = new Set<(read: ReaderRead) => void>();
  const deliver = (read: ReaderRead) => {
    for (const l of readListeners) l(read);
  };
  const unreadable = (reader: ReaderName) => (event: Unreadable) =>
    deliver({ kind: 'problem', reader, problem: readProblem(event.reason) });
  const cardListeners = new Set<(token: string) => void>();
  scanner?.on('read', (scan) => {
    if (scan.kind === 'technicianCard') {
      for (const l of cardListeners) l(scan.token);
      return;
    }
    deliver(scanToRead(scan));
  });
  scanner?.on('unreadable', unreadable('scanner'));
  magstripe?.on('read', (card) => deliver(tesseraToRead(card)));
  magstripe?.on('unreadable', unreadable('magstripe'));
  mrz?.on('read', (doc) => deliver(mrzToRead(doc)));
  mrz?.on('unreadable', unreadable('mrz'));

  return {
    status,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async testPrint(comune, now) {
      if (!printer) throw new ApiFailure('NOT_CONFIGURED', 'no printer is configured');
      const test: Receipt = {
        header: { comune, logo: false },
        title: 'Stampa di prova / Test print',
        lines: ['Prova di stampa del tecnico: € à è é ì ò ù.'],
        rows: [{ label: 'Data', value: now.toISOString().slice(0, 16).replace('T', ' ') }],
        qr: 'SPORTELLO:TEST',
        cut: true,
      };
      try {
        const result = await printer.print(test);
        keepPreview(test, 'test', { printed: true, problem: null });
        changed();
        return { mm: result.mm };
      } catch (err) {
        if (err instanceof DeviceError) {
          keepPreview(test, 'test', { printed: false, problem: API_CODE[err.code] });
          throw new ApiFailure(API_CODE[err.code], err.message);
        }
        throw err;
      }
    },
    async printReceipt(receipt, kind) {
      if (!printer) return { printed: false, problem: 'NOT_CONFIGURED' };
      let outcome: PrintOutcome | null = null;
      try {
        await printer.print(receipt);
        outcome = { printed: true, problem: null };
        return outcome;
      } catch (err) {
        if (err instanceof DeviceError) {
          deviceLog.warn({ event: 'receipt.print-failed', code: err.code }, 'receipt not printed');
          outcome = { printed: false, problem: API_CODE[err.code] };
          return outcome;
        }
        throw err;
      } finally {
        if (outcome) keepPreview(receipt, kind, outcome);
        changed();
      }
    },
    previews: () => previews.list(),
    onRead(listener) {
      readListeners.add(listener);
      return () => readListeners.delete(listener);
    },
    onTechnicianCard(listener) {
      cardListeners.add(listener);
      return () => cardListeners.delete(listener);
    },
    lastReads() {
      return readers.flatMap((r) => r?.lastReads() ?? []).sort((a, b) => b.at - a.at);
    },
    paperReplaced() {
      if (!printer) throw new ApiFailure('NOT_CONFIGURED', 'no printer is configured');
      printer.paperReplaced();
      deviceLog.info({ event: 'printer.paper-replaced' }, 'paper roll replaced');
      changed();
    },
    async close() {
      listeners.clear();
      readListeners.clear();
      cardListeners.clear();
      await Promise.all([printer?.stop(), ...readers.map((r) => r?.stop())]);
    },
  };
}

export type SwitchableDevices = DeviceManager & {
  /** The device paths in use. */
  paths(): Config['devices'];
  /** Closes the devices and opens them again on `paths` (a technician changed a port); listeners carry over. */
  reopen(paths: Config['devices']): Promise<void>;
};

/**
 * A DeviceManager whose devices can be reopened on other paths without the
 * rest of the runtime noticing: every `on…` subscription is kept here and
 * moved to the new devices, every other call goes to the devices in use.
 */
export function createSwitchableDevices(
  first: Config['devices'],
  log: Logger,
  opts: DeviceOptions = {},
): SwitchableDevices {
  const options: DeviceOptions = { ...opts, previews: opts.previews ?? createPreviewLog() };
  let paths = first;
  let inner = createDeviceManager(first, log, options);
  type Subscribe = (listener: never) => () => void;
  type Sub = { method: string; listener: never; off: () => void };
  const subs = new Set<Sub>();
  const subscribeTo = (method: string, listener: never): (() => void) =>
    Reflect.apply(Reflect.get(inner, method) as Subscribe, inner, [listener]);

  const wrapper = new Proxy({} as SwitchableDevices, {
    get(_, key: string) {
      if (key === 'paths') return () => paths;
      if (key === 'reopen') {
        return async (next: Config['devices']) => {
          const old = inner;
          await old.close();
          paths = next;
          inner = createDeviceManager(next, log, options);
          for (const sub of subs) sub.off = subscribeTo(sub.method, sub.listener);
          const status = inner.status();
          for (const sub of subs) if (sub.method === 'onStatus') (sub.listener as (s: typeof status) => void)(status);
        };
      }
      if (key === 'close') return () => inner.close();
      if (/^on[A-Z]/.test(key)) {
        return (listener: never) => {
          const sub: Sub = { method: key, listener, off: subscribeTo(key, listener) };
          subs.add(sub);
          return () => {
            subs.delete(sub);
            sub.off();
          };
        };
      }
      const target = inner;
      const member: unknown = Reflect.get(target, key);
      return typeof member === 'function'
        ? (...args: unknown[]) => Reflect.apply(member, target, args) as unknown
        : member;
    },
  });
  return wrapper;
}
