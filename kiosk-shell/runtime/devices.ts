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
import type { DeviceState, DevicesStatus, LastRead, PrintOutcome, ReadProblem, ReaderRead } from '../api/contract';
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
  /** Prints a resident's receipt; a printer problem is an outcome, not a throw. */
  printReceipt(receipt: Receipt): Promise<PrintOutcome>;
  /** Every read of every reader, already validated and shaped for the UI. Personal: never log it. */
  onRead(listener: (read: ReaderRead) => void): () => void;
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

/** Builds and starts a service for every configured device path. */
export function createDeviceManager(devices: Config['devices'], log: Logger): DeviceManager {
  const deviceLog = log.child({ module: 'devices' });
  const transport = (path: string, device: string, baudRate: number) => new SerialTransport({ path, device, baudRate });

  const printer = devices.printer
    ? new PrinterService({
        transport: transport(devices.printer, 'printer', 115200),
        device: 'printer',
        logger: deviceLog.child({ device: 'printer' }),
      })
    : null;
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
  scanner?.on('read', (scan) => deliver(scanToRead(scan)));
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
      try {
        const result = await printer.print({
          header: { comune, logo: false },
          title: 'Stampa di prova / Test print',
          lines: ['Prova di stampa del tecnico: € à è é ì ò ù.'],
          rows: [{ label: 'Data', value: now.toISOString().slice(0, 16).replace('T', ' ') }],
          qr: 'SPORTELLO:TEST',
          cut: true,
        });
        changed();
        return { mm: result.mm };
      } catch (err) {
        if (err instanceof DeviceError) throw new ApiFailure(API_CODE[err.code], err.message);
        throw err;
      }
    },
    async printReceipt(receipt) {
      if (!printer) return { printed: false, problem: 'NOT_CONFIGURED' };
      try {
        await printer.print(receipt);
        return { printed: true, problem: null };
      } catch (err) {
        if (err instanceof DeviceError) {
          deviceLog.warn({ event: 'receipt.print-failed', code: err.code }, 'receipt not printed');
          return { printed: false, problem: API_CODE[err.code] };
        }
        throw err;
      } finally {
        changed();
      }
    },
    onRead(listener) {
      readListeners.add(listener);
      return () => readListeners.delete(listener);
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
      await Promise.all([printer?.stop(), ...readers.map((r) => r?.stop())]);
    },
  };
}
