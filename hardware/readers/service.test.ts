import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadReaderFixture } from '../../tests/fixtures/hardware/readers/fixtures';
import {
  SAMPLE_CF,
  SAMPLE_NOW,
  SAMPLE_PICKUP_SECRET,
  SAMPLE_RECEIPT_QR,
  SAMPLE_SWIPE,
  SAMPLE_TD1_CIE,
  SAMPLE_TD1_EXPIRED,
  withWrongCheck,
} from '../../tests/fixtures/hardware/readers/samples';
import type { ScanRead } from './scanner';
import { createMagstripeService, createMrzService, createScannerService } from './service';
import { MemoryTransport } from './test-helpers';
import type { ReaderLogger } from './types';

function recordingLogger(): ReaderLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (fields, message) => lines.push(JSON.stringify({ ...fields, message })),
    warn: (fields, message) => lines.push(JSON.stringify({ ...fields, message })),
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: SAMPLE_NOW });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('reader services', () => {
  it('opens its transport, reports the connection and emits classified scans', () => {
    const transport = new MemoryTransport();
    const service = createScannerService({ transport });
    const states: string[] = [];
    service.on('state', (s) => states.push(s));
    const reads = vi.fn<(read: ScanRead) => void>();
    service.on('read', reads);
    service.start();
    expect(service.state).toBe('connected');
    transport.push(`${SAMPLE_CF}\r\n${SAMPLE_RECEIPT_QR}\r\n`);
    expect(reads.mock.calls.map(([r]) => r)).toEqual([
      { kind: 'codiceFiscale', codiceFiscale: SAMPLE_CF },
      { kind: 'receiptQr', requestCode: 'K7-2026-000123', pickupSecret: SAMPLE_PICKUP_SECRET },
    ]);
    expect(states).toEqual(['connected']);
  });

  it('emits unreadable with a reason for a misread, and keeps reading', () => {
    const transport = new MemoryTransport();
    const service = createScannerService({ transport });
    const events: string[] = [];
    service.on('read', (r) => events.push(`read:${r.kind}`));
    service.on('unreadable', (u) => events.push(`unreadable:${u.reason}`));
    service.start();
    transport.push(`${withWrongCheck(SAMPLE_CF)}\r\n`);
    transport.push(loadReaderFixture('scanner-garbled-then-cf'));
    transport.push(`${'X'.repeat(600)}\r\n${SAMPLE_CF}\r\n`);
    expect(events).toEqual([
      'unreadable:cf-check-char',
      'unreadable:garbled',
      'read:codiceFiscale',
      'unreadable:oversized',
      'read:codiceFiscale',
    ]);
  });

  it('ends a swipe on the inter-byte timeout with its own timer', () => {
    const transport = new MemoryTransport();
    const service = createMagstripeService({ transport });
    const reads = vi.fn();
    service.on('read', reads);
    service.start();
    transport.push(loadReaderFixture('magstripe-ts-two-tracks'));
    expect(reads).not.toHaveBeenCalled();
    vi.advanceTimersByTime(99);
    expect(reads).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(reads).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'tesseraSanitaria', codiceFiscale: SAMPLE_CF, surname: 'ROSSI' }),
    );
  });

  it('gives up an unterminated line after the timeout instead of waiting forever', () => {
    const transport = new MemoryTransport();
    const service = createScannerService({ transport });
    const unreadable = vi.fn();
    service.on('unreadable', unreadable);
    service.start();
    transport.push(SAMPLE_CF.slice(0, 8));
    vi.advanceTimersByTime(100);
    expect(unreadable).toHaveBeenCalledWith(expect.objectContaining({ reason: 'truncated' }));
  });

  it('reports a frame cut by an unplug as truncated and reads again after the replug', () => {
    const transport = new MemoryTransport();
    const service = createMrzService({ transport });
    const events: string[] = [];
    service.on('state', (s) => events.push(`state:${s}`));
    service.on('read', (r) => events.push(`read:${r.documentKind}`));
    service.on('unreadable', (u) => events.push(`unreadable:${u.reason}`));
    service.start();
    transport.push(`${SAMPLE_TD1_CIE[0]}\r\n${SAMPLE_TD1_CIE[1]}`);
    transport.unplug();
    transport.plug();
    transport.push(loadReaderFixture('mrz-td1-cie'));
    expect(events).toEqual([
      'state:connected',
      'unreadable:truncated',
      'state:disconnected',
      'state:connected',
      'read:CIE',
    ]);
  });

  it('flags an expired document with the injected clock', () => {
    const transport = new MemoryTransport();
    const service = createMrzService({ transport, now: () => SAMPLE_NOW });
    const reads = vi.fn();
    service.on('read', reads);
    service.start();
    transport.push(`${SAMPLE_TD1_EXPIRED.join('\r\n')}\r\n`);
    expect(reads).toHaveBeenCalledWith(expect.objectContaining({ expired: true, expiryDate: '2024-12-31' }));
  });

  it('keeps the last reads with personal fields masked, newest first', () => {
    const transport = new MemoryTransport();
    const scanner = createScannerService({ transport, historySize: 3 });
    scanner.start();
    transport.push(`${SAMPLE_CF}\r\n${SAMPLE_RECEIPT_QR}\r\nhello\r\n${withWrongCheck(SAMPLE_CF)}\r\n`);
    const last = scanner.lastReads();
    expect(last).toEqual([
      { at: SAMPLE_NOW, reader: 'scanner', outcome: 'unreadable', reason: 'cf-check-char' },
      { at: SAMPLE_NOW, reader: 'scanner', outcome: 'read', kind: 'unknown', masked: { length: 5 } },
      {
        at: SAMPLE_NOW,
        reader: 'scanner',
        outcome: 'read',
        kind: 'receiptQr',
        masked: { requestCode: 'K7-2026-000123', pickupSecret: true },
      },
    ]);
    expect(scanner.lastReads(1)).toHaveLength(1);

    const stripe = new MemoryTransport();
    const magstripe = createMagstripeService({ transport: stripe });
    magstripe.start();
    stripe.push(SAMPLE_SWIPE);
    expect(magstripe.lastReads()).toEqual([
      {
        at: SAMPLE_NOW,
        reader: 'magstripe',
        outcome: 'read',
        kind: 'tesseraSanitaria',
        masked: { codiceFiscale: 'RSS*********463A', surname: 'R.', givenName: 'M.', namesMatchCodiceFiscale: true },
      },
    ]);

    const ocr = new MemoryTransport();
    const mrz = createMrzService({ transport: ocr });
    mrz.start();
    ocr.push(loadReaderFixture('mrz-td1-cie'));
    expect(mrz.lastReads()[0]).toMatchObject({
      masked: { documentNumber: 'CA*****AB', surname: 'R.', givenNames: 'M.', documentKind: 'CIE', expired: false },
    });
    const everything = JSON.stringify([scanner.lastReads(), magstripe.lastReads(), mrz.lastReads()]);
    for (const secret of [SAMPLE_CF, SAMPLE_PICKUP_SECRET, 'ROSSI', 'MARIO', 'CA12345AB']) {
      expect(everything).not.toContain(secret);
    }
  });

  it('never logs personal data, only reader, kind and reason', () => {
    const logger = recordingLogger();
    const transport = new MemoryTransport();
    createScannerService({ transport, logger }).start();
    transport.push(`${SAMPLE_CF}\r\n${withWrongCheck(SAMPLE_CF)}\r\n${SAMPLE_RECEIPT_QR}\r\n`);
    const stripe = new MemoryTransport();
    createMagstripeService({ transport: stripe, logger }).start();
    stripe.push(SAMPLE_SWIPE);
    const ocr = new MemoryTransport();
    createMrzService({ transport: ocr, logger }).start();
    ocr.push(loadReaderFixture('mrz-td1-wrong-check-digit'));
    ocr.push(loadReaderFixture('mrz-td1-cie'));
    const log = logger.lines.join('\n');
    expect(log).toContain('"event":"reader.read","reader":"scanner","kind":"codiceFiscale"');
    expect(log).toContain('"reason":"mrz-check-digit"');
    for (const secret of [
      SAMPLE_CF,
      SAMPLE_CF.slice(0, 15),
      SAMPLE_PICKUP_SECRET,
      'ROSSI',
      'MARIO',
      'CA12345AB',
      '800101',
    ]) {
      expect(log).not.toContain(secret);
    }
  });

  it('keeps reading when a listener throws', () => {
    const transport = new MemoryTransport();
    const logger = recordingLogger();
    const service = createScannerService({ transport, logger });
    const reads = vi.fn();
    service.on('read', () => {
      throw new Error('listener bug');
    });
    service.on('unreadable', reads);
    service.start();
    expect(() => transport.push(`${SAMPLE_CF}\r\n`)).not.toThrow();
    transport.push(`${withWrongCheck(SAMPLE_CF)}\r\n`);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(logger.lines.some((l) => l.includes('reader.listenerFailed'))).toBe(true);
  });

  it('stops idempotently: closes the transport, drops its listeners and any pending timer', async () => {
    const transport = new MemoryTransport();
    const service = createScannerService({ transport });
    const unreadable = vi.fn();
    service.on('unreadable', unreadable);
    service.start();
    service.start();
    expect(transport.listenerCount('data')).toBe(1);
    transport.push('RSS');
    await service.stop();
    await service.stop();
    expect(transport.closeCalls).toBe(1);
    expect(transport.listenerCount('data')).toBe(0);
    expect(service.state).toBe('closed');
    vi.advanceTimersByTime(1_000);
    expect(unreadable).not.toHaveBeenCalled();
  });
});
