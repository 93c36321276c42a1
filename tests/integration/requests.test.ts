/**
 * Resident requests through the real runtime: virtual devices on PTYs, a hub
 * on an ephemeral port, the kiosk store on disk. What the kiosk API promises:
 * validate, seal, write durably, print only after, deliver exactly once, and
 * never keep personal data readable.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VirtualDevices } from '../../hardware/sim/devices';
import type { ReaderRead, ReceiptPrint } from '../../kiosk-shell/api/contract';
import { createLogger } from '../../kiosk-shell/runtime/log';
import { startRuntime } from '../../kiosk-shell/runtime/runtime';
import type { Runtime } from '../../kiosk-shell/runtime/runtime';
import type { RunningHub } from '../../server/hub';
import { HUB_DB_FILE } from '../../server/db/open';
import { open } from '../../sync/crypto/seal';
import { SealedContentSchema } from '../../sync/protocol';
import { certificateForPickupHere, scannedIdentity } from '../helpers/requests';
import { expectStoreHoldsNone, newestReceiptCode } from '../helpers/store-bytes';
import { call, demoConfig, startEnrolledKiosk } from '../helpers/enrolled-kiosk';
import type { EnrolledKiosk } from '../helpers/enrolled-kiosk';
import { until } from '../helpers/until';

const CF = 'RSSMRA85T10A562S';
const CF_WRONG_CHECK = 'RSSMRA85T10A562T';
const IDENTITY = scannedIdentity(CF);
const SELF_AT_KIOSK = certificateForPickupHere(CF);

const dirs: string[] = [];
let kiosk: EnrolledKiosk;
let hub: RunningHub;
let sims: VirtualDevices;
let runtime: Runtime;
let reads: ReaderRead[];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/**
 * Every text line the virtual printer decoded (no QR, no logo, no rule) is in
 * the receipt text the API answered: a wrapped piece of one of its lines, or
 * a row's label and value. Its QR payloads are not.
 */
function expectReceiptTextAsPrinted(decoded: { text: string; qr: string[] }, receipt: ReceiptPrint['receipt']): void {
  const all = receipt.lines.join('\n');
  const lines = decoded.text.split('\n').filter((l) => !/^\s*(\[QR|\[LOGO|-*\s*$)/.test(l));
  expect(lines.length).toBeGreaterThan(5);
  for (const line of lines) for (const piece of line.trim().split(/ {2,}/)) expect(all, line).toContain(piece);
  for (const payload of decoded.qr) expect(JSON.stringify(receipt)).not.toContain(payload);
}

async function value<T = Record<string, unknown>>(method: string, input: unknown = {}): Promise<T> {
  const result = await call(runtime, method, input);
  if (!result.ok) throw new Error(`${method} failed: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

beforeAll(async () => {
  kiosk = await startEnrolledKiosk('sportello-req-');
  ({ hub, sims, runtime, reads } = kiosk);
}, 30_000);

afterAll(async () => {
  await kiosk?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('identification on the kiosk', () => {
  it('checks a typed codice fiscale, check character included', async () => {
    expect(await value('identity.checkCodiceFiscale', { codiceFiscale: ' rssmra85t10a562s ' })).toEqual({
      ok: true,
      codiceFiscale: CF,
    });
    expect(await value('identity.checkCodiceFiscale', { codiceFiscale: CF_WRONG_CHECK })).toEqual({
      ok: false,
      problem: 'cf-check-char',
    });
    expect(await value('identity.checkCodiceFiscale', { codiceFiscale: 'MARIO' })).toEqual({
      ok: false,
      problem: 'cf-malformed',
    });
  });

  it('turns card reads into identities, and bad reads into problems a resident can act on', async () => {
    reads.length = 0;
    await sims.commands.scan([CF]);
    await sims.commands.scan([CF_WRONG_CHECK]);
    await sims.commands.scan(['SPORTELLO:1:7KQ3-9MXD']);
    await until(() => reads.length >= 3, 'three reads');
    expect(reads[0]).toMatchObject({ kind: 'identity', reader: 'scanner', identity: { codiceFiscale: CF } });
    expect(reads[1]).toEqual({ kind: 'problem', reader: 'scanner', problem: 'cf-check-char' });
    expect(reads[2]).toEqual({ kind: 'receipt', reader: 'scanner', requestCode: '7KQ3-9MXD', pickupSecret: null });
  });
});

describe('requests', () => {
  it('offers the catalog pulled from the hub: certificate types, report categories, streets of this frazione first', async () => {
    const catalog = await value<{
      certificateTypes: Array<{ code: string; stampDuty: boolean }>;
      reportCategories: string[];
      streets: Array<{ name: string; inThisFrazione: boolean }>;
    }>('services.catalog');
    expect(catalog.certificateTypes.map((c) => c.code)).toContain('residenza');
    expect(catalog.reportCategories).toEqual(['lighting', 'roads', 'waste', 'greenery', 'water', 'other']);
    expect(catalog.streets[0]?.inThisFrazione).toBe(true);
    expect(catalog.streets.some((s) => !s.inThisFrazione)).toBe(true);
  });

  it('writes a certificate request, prints its receipt, and the hub stores it exactly once', async () => {
    const before = sims.printer.receipts().length;
    const created = await value<{ receiptCode: string; print: ReceiptPrint }>('requests.create', SELF_AT_KIOSK);
    expect(created.receiptCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(created.print).toEqual({ printed: true, problem: null, receipt: expect.any(Object) });

    const receipt = await until(() => sims.printer.receipts()[before], 'the receipt');
    expect(receipt.text).toContain('Certificato di residenza');
    expect(receipt.text).toContain(created.receiptCode);
    expect(receipt.text).toContain('Ritiro a questo sportello');
    expect(receipt.text).not.toContain(CF);
    // The QR carries the code and the pickup secret; the scanner reads it back as a receipt.
    const qr = receipt.qr[0] ?? '';
    expect(qr).toMatch(new RegExp(`^SPORTELLO:1:${created.receiptCode}:[A-Za-z0-9_-]{32}$`));
    // The answer carries the receipt's text for speech: every printed line, the pickup code, never the QR.
    expectReceiptTextAsPrinted(receipt, created.print.receipt);
    expect(created.print.receipt.locale).toBe('it');
    expect(created.print.receipt.codes[0]).toBe(created.receiptCode);
    expect(created.print.receipt.pickupCode).toMatch(/^([0-9A-Z]{4} ){9}[0-9A-Z]{3}$/);
    expect(receipt.text).toContain(created.print.receipt.pickupCode);

    await runtime.sync!.syncNow();
    const lookup = await until(async () => {
      const l = await value<{ delivery: string; protocolNumber: string | null }>('requests.lookup', {
        receiptCode: created.receiptCode.toLowerCase().replace('-', ' '),
      });
      return l.delivery === 'delivered' ? l : null;
    }, 'delivery to the hub');
    expect(lookup.protocolNumber).toMatch(/^C240-\d{4}-\d{6}$/);
    const stored = (await hub.admin.listRequests()).filter((r) => r.protocolNumber === lookup.protocolNumber);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ kind: 'certificate', service: 'residenza', frazione: 'colombiera' });

    // The hub opens what the kiosk sealed; the pickup secret inside is the one in the QR.
    const hubDb = new Database(join(kiosk.hubDir, HUB_DB_FILE), { readonly: true });
    try {
      const key = hubDb.prepare('SELECT encryption_private FROM hub_keys').get() as { encryption_private: string };
      const row = hubDb
        .prepare('SELECT id, sealed FROM requests WHERE protocol_number = ?')
        .get(lookup.protocolNumber) as {
        id: string;
        sealed: Buffer;
      };
      const content = SealedContentSchema.parse(
        JSON.parse(new TextDecoder().decode(await open(key.encryption_private, row.sealed, row.id))),
      );
      expect(content).toMatchObject({
        kind: 'certificate',
        applicant: { codiceFiscale: CF },
        delivery: { kind: 'kiosk' },
      });
      expect(qr.endsWith(`:${content.kind === 'certificate' ? content.pickupSecret : ''}`)).toBe(true);
    } finally {
      hubDb.close();
    }
  });

  it('shows the back office answer at the kiosk after the next pull', async () => {
    const created = await value<{ receiptCode: string }>('requests.create', {
      kind: 'report',
      locale: 'en',
      category: 'lighting',
      place: { kind: 'nearKiosk' },
      description: 'The lamp at the bus stop is off',
      contact: null,
    });
    await runtime.sync!.syncNow();
    const delivered = await until(async () => {
      const l = await value<{ delivery: string; protocolNumber: string }>('requests.lookup', {
        receiptCode: created.receiptCode,
      });
      return l.delivery === 'delivered' ? l : null;
    }, 'delivery');
    const [request] = (await hub.admin.listRequests()).filter((r) => r.protocolNumber === delivered.protocolNumber);
    await hub.admin.addStatusChange(request!.id, 'answered', 'Repaired on Monday');
    await runtime.sync!.syncNow();
    const answered = await until(async () => {
      const l = await value<{ status: string | null; answer: string | null; lastPullAt: string | null }>(
        'requests.lookup',
        {
          receiptCode: created.receiptCode,
        },
      );
      return l.status === 'answered' ? l : null;
    }, 'the answer');
    expect(answered).toMatchObject({ kind: 'report', service: 'lighting', answer: 'Repaired on Monday', online: true });
    expect(answered.lastPullAt).not.toBeNull();
    expect(await value('requests.lookup', { receiptCode: 'ZZZZ-ZZZZ' })).toEqual({ found: false });
  });

  it('answers a request sent twice in a session (a retry after a lost answer) with the first one, printed once', async () => {
    const count = () => (runtime.store.db.prepare('SELECT COUNT(*) AS n FROM submissions').get() as { n: number }).n;
    const request = { ...SELF_AT_KIOSK, delivery: { kind: 'townHall' } };
    const before = count();
    const printed = sims.printer.receipts().length;
    const [first, again] = await Promise.all([
      value<{ receiptCode: string }>('requests.create', request),
      value<{ receiptCode: string }>('requests.create', request),
    ]);
    expect(again.receiptCode).toBe(first.receiptCode);
    expect(count()).toBe(before + 1);
    await until(() => sims.printer.receipts().length > printed, 'the receipt');
    await new Promise((r) => setTimeout(r, 300));
    expect(sims.printer.receipts().length).toBe(printed + 1);
    // A new session asking the same is a new request.
    await value('session.ended', { reason: 'done' });
    const next = await value<{ receiptCode: string }>('requests.create', request);
    expect(next.receiptCode).not.toBe(first.receiptCode);
    expect(count()).toBe(before + 2);
    await value('session.ended', { reason: 'done' });
  });

  it('refuses what the catalog or the rules do not allow, and writes nothing', async () => {
    const count = () => (runtime.store.db.prepare('SELECT COUNT(*) AS n FROM submissions').get() as { n: number }).n;
    const before = count();
    const refusals = [
      { ...SELF_AT_KIOSK, certificateType: 'passaporto' },
      { ...SELF_AT_KIOSK, identity: { ...IDENTITY, codiceFiscale: CF_WRONG_CHECK } },
      { ...SELF_AT_KIOSK, stampDuty: { kind: 'stamp', number: '1234' } },
      { ...SELF_AT_KIOSK, stampDuty: { kind: 'notDue' } },
      { ...SELF_AT_KIOSK, delivery: { kind: 'email', address: 'not-an-address' } },
      {
        ...SELF_AT_KIOSK,
        identity: {
          ...IDENTITY,
          source: 'mrz',
          codiceFiscale: null,
          surname: 'ROSSI',
          givenNames: 'MARIO',
          document: { kind: 'CIE', number: 'CA00000AA', issuingState: 'ITA', expiryDate: '2001-01-01' },
        },
      },
      {
        ...SELF_AT_KIOSK,
        identity: {
          ...IDENTITY,
          source: 'mrz',
          codiceFiscale: null,
          surname: 'ROSSI',
          givenNames: 'MARIO',
          document: { kind: 'passport', number: 'YA0000000', issuingState: 'ITA', expiryDate: '2099-01-01' },
        },
      },
      {
        kind: 'report',
        locale: 'it',
        category: 'roads',
        place: { kind: 'street', streetCode: 'NO-SUCH' },
        description: 'buca',
        contact: null,
      },
    ];
    for (const input of refusals) {
      const result = await call(runtime, 'requests.create', input);
      expect(result.ok, JSON.stringify(input)).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('INVALID_INPUT');
    }
    expect(count()).toBe(before);
  });

  it('keeps the request when the paper is out, and reprints it in the same session only', async () => {
    await sims.commands.paper(['out']);
    await until(() => runtime.devices.status().printer.problem === 'PAPER_OUT', 'paper out');
    const created = await value<{ receiptCode: string; print: ReceiptPrint }>('requests.create', {
      ...SELF_AT_KIOSK,
      locale: 'ar',
      delivery: { kind: 'townHall' },
    });
    // Not printed, but its text is there to be spoken; an Arabic resident's receipt is in English (PC858).
    expect(created.print).toEqual({ printed: false, problem: 'PAPER_OUT', receipt: expect.any(Object) });
    expect(created.print.receipt.locale).toBe('en');
    expect(created.print.receipt.pickupCode).toBeNull();
    expect(await value('requests.lookup', { receiptCode: created.receiptCode })).toMatchObject({ found: true });

    await sims.commands.paper(['ok']);
    await until(() => runtime.devices.status().printer.problem === null, 'paper back');
    const before = sims.printer.receipts().length;
    expect(await value('requests.reprint', { receiptCode: created.receiptCode })).toEqual({
      printed: true,
      problem: null,
      receipt: created.print.receipt,
    });
    expectReceiptTextAsPrinted(
      await until(() => sims.printer.receipts()[before], 'the reprint'),
      created.print.receipt,
    );
    await value('session.ended', { reason: 'done' });
    const after = await call(runtime, 'requests.reprint', { receiptCode: created.receiptCode });
    expect(after.ok ? null : after.error.code).toBe('NOT_FOUND');
  });

  it('never leaves the codice fiscale or the description readable in the kiosk database', async () => {
    await runtime.sync!.syncNow();
    expectStoreHoldsNone(
      runtime.config.dataDir,
      { 'codice fiscale': CF, description: 'The lamp at the bus stop' },
      newestReceiptCode(runtime.store.db),
    );
  });
});

describe('a kiosk that is not enrolled', () => {
  it('refuses requests as unavailable rather than keep what it cannot seal', async () => {
    const dataDir = tempDir('sportello-req-unenrolled-');
    const rt = await startRuntime({
      config: demoConfig(dataDir, 'http://127.0.0.1:9'),
      log: createLogger({ level: 'silent' }),
    });
    try {
      const result = await call(rt, 'requests.create', SELF_AT_KIOSK);
      expect(result.ok ? null : result.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(await call(rt, 'services.catalog')).toMatchObject({ ok: true, value: { available: false } });
    } finally {
      await rt.close();
    }
  });
});
