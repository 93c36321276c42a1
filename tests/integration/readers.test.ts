/**
 * The readers end to end over real serial lines: each virtual reader writes on
 * the device end of a socat PTY pair, the reader service reads the kiosk end
 * through SerialTransport, as the runtime does with a real device.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMagstripeService, createMrzService, createScannerService } from '../../hardware/readers/service';
import type { ReaderService } from '../../hardware/readers/service';
import type { Unreadable } from '../../hardware/readers/types';
import { createPtyPair } from '../../hardware/sim/pty';
import type { PtyPair } from '../../hardware/sim/pty';
import { startVirtualMagstripe, startVirtualMrz, startVirtualScanner } from '../../hardware/sim/readers';
import type { VirtualReader } from '../../hardware/sim/readers';
import { SerialTransport } from '../../hardware/transport/serial';
import type { TransportState } from '../../hardware/transport/types';
import {
  MARIO,
  SAMPLE_CF,
  SAMPLE_NOW,
  SAMPLE_PAGOPA,
  SAMPLE_RECEIPT_QR,
  SAMPLE_SWIPE,
  SAMPLE_TD1_CIE,
  SAMPLE_TD1_EXPIRED,
  SAMPLE_TD3_PASSPORT,
  alterMrz,
  tesseraTrack1,
  withWrongCheck,
} from '../fixtures/hardware/readers/samples';

const WAIT_MS = 5_000;
/**
 * Inter-byte timeout of the services here: longer than the production defaults
 * (50–100 ms) so that a loaded CI machine pausing between the two writes of a
 * split frame does not end the frame early. The defaults are unit-tested.
 */
const TIMEOUT_MS = 250;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Outcome<R> = { read: R } | { unreadable: Unreadable };

/** Every read and failure of a service, awaited one at a time. */
class Outcomes<F, R, E extends string> {
  private readonly queue: Outcome<R>[] = [];
  private waiter: (() => void) | null = null;

  constructor(service: ReaderService<F, R, E>) {
    service.on('read', (read) => this.push({ read }));
    service.on('unreadable', (unreadable) => this.push({ unreadable }));
  }

  private push(outcome: Outcome<R>): void {
    this.queue.push(outcome);
    this.waiter?.();
  }

  async next(): Promise<Outcome<R>> {
    const deadline = Date.now() + WAIT_MS;
    while (this.queue.length === 0) {
      if (Date.now() > deadline) throw new Error('no read within the wait');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50);
      });
      this.waiter = null;
    }
    return this.queue.shift() as Outcome<R>;
  }

  get pending(): number {
    return this.queue.length;
  }
}

async function untilState(service: { state: TransportState }, state: TransportState): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (service.state !== state) {
    if (Date.now() > deadline) throw new Error(`reader never became ${state}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

type Rig<S, V> = { pair: PtyPair; transport: SerialTransport; service: S; virtual: V };

async function rig<F, R, E extends string, V extends VirtualReader>(
  name: string,
  makeService: (transport: SerialTransport) => ReaderService<F, R, E>,
  startVirtual: (devicePath: string) => Promise<V>,
): Promise<Rig<ReaderService<F, R, E>, V>> {
  const dir = mkdtempSync(join(tmpdir(), 'sportello-readers-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const pair = await createPtyPair(dir, name);
  cleanups.push(() => pair.close());
  const transport = new SerialTransport({
    path: pair.kioskPath,
    baudRate: 9600,
    device: name,
    presenceCheckMs: 100,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  const service = makeService(transport);
  service.start();
  cleanups.push(() => service.stop());
  const virtual = await startVirtual(pair.devicePath);
  cleanups.push(() => virtual.close());
  await untilState(service, 'connected');
  return { pair, transport, service, virtual };
}

const scannerRig = () =>
  rig(
    'scanner',
    (transport) => createScannerService({ transport, decoder: { interByteTimeoutMs: TIMEOUT_MS } }),
    (devicePath) => startVirtualScanner({ devicePath }),
  );
const magstripeRig = () =>
  rig(
    'magstripe',
    (transport) => createMagstripeService({ transport, decoder: { interByteTimeoutMs: TIMEOUT_MS } }),
    (devicePath) => startVirtualMagstripe({ devicePath }),
  );
/** The MRZ service's clock runs from the tests' sample day, so expiry is decided against it. */
const mrzRig = () => {
  const startedAt = Date.now();
  return rig(
    'mrz',
    (transport) =>
      createMrzService({
        transport,
        now: () => SAMPLE_NOW + (Date.now() - startedAt),
        decoder: { interByteTimeoutMs: TIMEOUT_MS },
      }),
    (devicePath) => startVirtualMrz({ devicePath }),
  );
};

/** Sends `bytes` in two writes cut at every position in turn; returns the outcome of each. */
async function everySplit<F, R, E extends string>(
  virtual: VirtualReader,
  outcomes: Outcomes<F, R, E>,
  bytes: Buffer,
): Promise<Outcome<R>[]> {
  const results: Outcome<R>[] = [];
  for (let at = 1; at < bytes.length; at++) {
    await virtual.send(bytes.subarray(0, at));
    await virtual.send(bytes.subarray(at));
    results.push(await outcomes.next());
  }
  return results;
}

describe('barcode scanner over a PTY', () => {
  it('delivers classified scans from the virtual scanner', async () => {
    const { service, virtual } = await scannerRig();
    const outcomes = new Outcomes(service);
    await virtual.scan(SAMPLE_CF);
    expect(await outcomes.next()).toEqual({ read: { kind: 'codiceFiscale', codiceFiscale: SAMPLE_CF } });
    await virtual.scan(SAMPLE_RECEIPT_QR);
    expect(await outcomes.next()).toMatchObject({ read: { kind: 'receiptQr', requestCode: 'K7-2026-000123' } });
    await virtual.scan(SAMPLE_PAGOPA);
    expect(await outcomes.next()).toMatchObject({ read: { kind: 'pagopa', amountCents: 12350 } });
  });

  it('reads the same scan whichever byte the line is cut at', async () => {
    const { service, virtual } = await scannerRig();
    const outcomes = new Outcomes(service);
    const results = await everySplit(virtual, outcomes, Buffer.from(`${SAMPLE_CF}\r\n`));
    expect(results).toHaveLength(SAMPLE_CF.length + 1);
    for (const r of results) expect(r).toEqual({ read: { kind: 'codiceFiscale', codiceFiscale: SAMPLE_CF } });
  });

  it('reports misreads, garbled and oversized lines, and keeps reading', async () => {
    const { service, virtual } = await scannerRig();
    const outcomes = new Outcomes(service);
    await virtual.scan(withWrongCheck(SAMPLE_CF));
    expect(await outcomes.next()).toMatchObject({ unreadable: { reason: 'cf-check-char' } });
    await virtual.send(Buffer.from('RSS\x00\x07MRA\r\n', 'latin1'));
    expect(await outcomes.next()).toMatchObject({ unreadable: { reason: 'garbled' } });
    await virtual.scan('9'.repeat(2_000));
    expect(await outcomes.next()).toMatchObject({ unreadable: { reason: 'oversized' } });
    await virtual.scan(SAMPLE_CF);
    expect(await outcomes.next()).toMatchObject({ read: { codiceFiscale: SAMPLE_CF } });
  });

  it('keeps working after the cable is pulled mid-scan and plugged back', async () => {
    const { pair, transport, service, virtual } = await scannerRig();
    const outcomes = new Outcomes(service);
    const arrived = new Promise((resolve) => transport.once('data', resolve));
    await virtual.send(SAMPLE_CF.slice(0, 9));
    await arrived; // pulled after the half line reached the kiosk, not while it was still in the PTY
    await pair.unplug();
    await untilState(service, 'disconnected');
    expect(await outcomes.next()).toMatchObject({ unreadable: { reason: 'truncated' } });
    await pair.plug();
    await untilState(service, 'connected');
    await virtual.waitConnected();
    await virtual.scan(SAMPLE_CF);
    expect(await outcomes.next()).toEqual({ read: { kind: 'codiceFiscale', codiceFiscale: SAMPLE_CF } });
    expect(service.lastReads(1)[0]).toMatchObject({ masked: { codiceFiscale: 'RSS*********463A' } });
  });
});

describe('magstripe reader over a PTY', () => {
  const read = { kind: 'tesseraSanitaria', codiceFiscale: SAMPLE_CF, surname: 'ROSSI', givenName: 'MARIO' };

  it('delivers the Tessera Sanitaria from a swipe, three tracks or two', async () => {
    const { service, virtual } = await magstripeRig();
    const outcomes = new Outcomes(service);
    await virtual.swipe(SAMPLE_SWIPE.trimEnd());
    expect(await outcomes.next()).toMatchObject({ read });
    await virtual.swipe(`${tesseraTrack1(MARIO)};80380001200012345678=3012?`); // ends by silence
    expect(await outcomes.next()).toMatchObject({ read });
  });

  it('reads the same swipe whichever byte it is cut at', async () => {
    const { service, virtual } = await magstripeRig();
    const outcomes = new Outcomes(service);
    const results = await everySplit(virtual, outcomes, Buffer.from(SAMPLE_SWIPE, 'latin1'));
    expect(results).toHaveLength(SAMPLE_SWIPE.length - 1);
    for (const r of results) expect(r).toMatchObject({ read });
  });

  it('reports a bad swipe and reads the next one', async () => {
    const { service, virtual } = await magstripeRig();
    const outcomes = new Outcomes(service);
    await virtual.swipe('%E?;E?;E?');
    expect(await outcomes.next()).toMatchObject({ unreadable: { reason: 'reader-error' } });
    await virtual.swipe(`%${'A'.repeat(300)}?`);
    expect(await outcomes.next()).toMatchObject({ unreadable: { reason: 'oversized' } });
    await virtual.swipe('%B4111111111111111^DOE/JOHN^2512?');
    expect(await outcomes.next()).toMatchObject({ unreadable: { reason: 'no-codice-fiscale' } });
    await virtual.swipe(SAMPLE_SWIPE);
    expect(await outcomes.next()).toMatchObject({ read });
  });

  it('keeps working after an unplug and replug', async () => {
    const { pair, service, virtual } = await magstripeRig();
    const outcomes = new Outcomes(service);
    await pair.unplug();
    await untilState(service, 'disconnected');
    await pair.plug();
    await untilState(service, 'connected');
    await virtual.waitConnected();
    await virtual.swipe(SAMPLE_SWIPE);
    expect(await outcomes.next()).toMatchObject({ read });
  });
});

describe('MRZ reader over a PTY', () => {
  it('delivers a CIE and a passport, and flags an expired document', async () => {
    const { service, virtual } = await mrzRig();
    const outcomes = new Outcomes(service);
    await virtual.present(SAMPLE_TD1_CIE);
    expect(await outcomes.next()).toMatchObject({
      read: { documentKind: 'CIE', documentNumber: 'CA12345AB', surname: 'ROSSI', expired: false },
    });
    await virtual.present(SAMPLE_TD3_PASSPORT);
    expect(await outcomes.next()).toMatchObject({
      read: { documentKind: 'passport', givenNames: 'ANNA MARIA', birthDate: '1975-08-12' },
    });
    await virtual.present(SAMPLE_TD1_EXPIRED);
    expect(await outcomes.next()).toMatchObject({ read: { expired: true, expiryDate: '2024-12-31' } });
  });

  it('reads the same document whichever byte the burst is cut at', async () => {
    const { service, virtual } = await mrzRig();
    const outcomes = new Outcomes(service);
    for (const lines of [SAMPLE_TD1_CIE, SAMPLE_TD3_PASSPORT]) {
      const results = await everySplit(virtual, outcomes, Buffer.from(`${lines.join('\r\n')}\r\n`));
      const surnames = new Set(results.map((r) => ('read' in r ? r.read.surname : r.unreadable.reason)));
      expect(surnames).toEqual(new Set([lines === SAMPLE_TD1_CIE ? 'ROSSI' : 'BIANCHI']));
    }
  });

  it('reports wrong check digits and garbled bursts, and reads the next document', async () => {
    const { service, virtual } = await mrzRig();
    const outcomes = new Outcomes(service);
    await virtual.present(['I<ITA#####', SAMPLE_TD1_CIE[1], SAMPLE_TD1_CIE[2]]);
    expect(await outcomes.next()).toMatchObject({ unreadable: { reason: 'garbled' } });
    await virtual.present(alterMrz(SAMPLE_TD1_CIE, 0, 5, 'X'));
    expect(await outcomes.next()).toMatchObject({ unreadable: { reason: 'mrz-check-digit' } });
    await virtual.present(SAMPLE_TD1_CIE);
    expect(await outcomes.next()).toMatchObject({ read: { documentKind: 'CIE' } });
  });

  it('keeps working after an unplug and replug', async () => {
    const { pair, service, virtual } = await mrzRig();
    const outcomes = new Outcomes(service);
    await pair.unplug();
    await untilState(service, 'disconnected');
    await pair.plug();
    await untilState(service, 'connected');
    await virtual.waitConnected();
    await virtual.present(SAMPLE_TD3_PASSPORT);
    expect(await outcomes.next()).toMatchObject({ read: { documentKind: 'passport' } });
    expect(outcomes.pending).toBe(0);
  });
});
