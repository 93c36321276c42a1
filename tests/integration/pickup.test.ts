/**
 * Ritiro documenti through the real runtime: virtual devices on PTYs, a hub
 * on an ephemeral port, the kiosk store on disk. A certificate requested for
 * pickup here is issued at the hub (sealed under the secret of the receipt's
 * QR), pulled, refused to a wrong code and a wrong card, rate-limited, printed
 * for the right ones, recorded at the hub, and deleted from the kiosk; an
 * expired one is purged. The kiosk's files never hold the document, the
 * secret or the codice fiscale in clear.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualDevices } from '../../hardware/sim/devices';
import type { VirtualDevices } from '../../hardware/sim/devices';
import { parseReceiptQr } from '../../hardware/readers/receipt-qr';
import type { ReaderRead, ReceiptPrint, ResponseFrame } from '../../kiosk-shell/api/contract';
import { parseConfig } from '../../kiosk-shell/runtime/config';
import { createLogger } from '../../kiosk-shell/runtime/log';
import { DEFAULT_CONFIG } from '../../kiosk-shell/runtime/paths';
import { groupPickupCode, pickupCodeOf } from '../../kiosk-shell/runtime/pickup-code';
import { STORE_FILE, startRuntime } from '../../kiosk-shell/runtime/runtime';
import type { Runtime } from '../../kiosk-shell/runtime/runtime';
import { startHub } from '../../server/hub';
import type { RunningHub } from '../../server/hub';
import { insertIssuedDocument, queuePickupDocument } from '../../server/db/documents';
import { openHubDb } from '../../server/db/open';
import type { HubDb } from '../../server/db/open';
import { loadEnrollment } from '../../sync/client/enrollment';
import { sealForPickup } from '../../sync/crypto/pickup';
import type { PickupContent } from '../../sync/protocol';
import { findByReceiptCode } from '../../sync/store/submissions';

const CF = 'RSSMRA85T10A562S';
const OTHER_CF = 'BNCNNA90A41H501X';
const identity = (codiceFiscale: string) => ({
  source: 'scanner' as const,
  codiceFiscale,
  surname: null,
  givenNames: null,
  birthDate: null,
  document: null,
});
const PICKUP_HERE = {
  kind: 'certificate',
  locale: 'it',
  certificateType: 'residenza',
  identity: identity(CF),
  subject: { relation: 'self' },
  stampDuty: { kind: 'exempt', reason: 'pension' },
  delivery: { kind: 'kiosk' },
} as const;
const DOCUMENT_LINE = 'Si certifica che ROSSI MARIO risulta residente in Via Aurelia 12 dal 2001.';

const dirs: string[] = [];
let hub: RunningHub;
let hubDir: string;
let hubDb: HubDb;
let sims: VirtualDevices;
let runtime: Runtime;
const reads: ReaderRead[] = [];
const secretsSeen: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

async function call(method: string, input: unknown = {}): Promise<ResponseFrame['result']> {
  return (await runtime.dispatch(JSON.stringify({ id: 1, method, input }))).result;
}

async function value<T = Record<string, unknown>>(method: string, input: unknown = {}): Promise<T> {
  const result = await call(method, input);
  if (!result.ok) throw new Error(`${method} failed: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

async function errorCode(method: string, input: unknown): Promise<string> {
  const result = await call(method, input);
  return result.ok ? 'OK' : result.error.code;
}

async function until<T>(
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 8000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A certificate requested for pickup here, delivered to the hub; its printed receipt's QR and text. */
async function requestForPickup() {
  // A new resident each time: the same request twice in one session is answered with the first.
  await value('session.ended', { reason: 'done' });
  const before = sims.printer.receipts().length;
  const created = await value<{ receiptCode: string }>('requests.create', PICKUP_HERE);
  const receipt = await until(() => sims.printer.receipts()[before], 'the receipt');
  const qr = parseReceiptQr(receipt.qr[0] ?? '');
  if (!qr.ok || qr.value.pickupSecret === null) throw new Error('the receipt has no pickup QR');
  secretsSeen.push(qr.value.pickupSecret);
  await runtime.sync!.syncNow();
  await until(async () => {
    const l = await value<{ delivery: string }>('requests.lookup', { receiptCode: created.receiptCode });
    return l.delivery === 'delivered';
  }, 'delivery to the hub');
  const submission = findByReceiptCode(runtime.store.db, created.receiptCode)!;
  return {
    receiptCode: created.receiptCode,
    qrText: receipt.qr[0]!,
    receiptText: receipt.text,
    secret: qr.value.pickupSecret,
    submissionId: submission.id,
  };
}

/**
 * What the back office does when it issues a document for kiosk pickup: seal
 * the content under the request's pickup secret and queue it for the kiosk
 * (server/db/documents), which delivers it on the next pull.
 */
async function issue(request: { secret: string; submissionId: string }, expiresInMs = 30 * 24 * 60 * 60_000) {
  const id = uuidv7();
  const content: PickupContent = {
    v: 1,
    codiceFiscale: CF,
    title: 'Certificato di residenza',
    lines: [DOCUMENT_LINE],
    issuer: 'Comune di Castelnuovo Magra - Ufficio Anagrafe',
    issuedAt: new Date().toISOString(),
    verificationCode: `C240-${randomBytes(3).toString('hex').toUpperCase()}`,
    verificationUrl: 'https://hub.example.it/verify',
  };
  const envelope = sealForPickup(request.secret, id, new TextEncoder().encode(JSON.stringify(content)));
  const kioskId = loadEnrollment(runtime.store.db)!.kioskId;
  await hubDb.write(async (db) => {
    await insertIssuedDocument(
      db,
      {
        id,
        requestId: request.submissionId,
        verificationCode: content.verificationCode,
        delivery: 'kiosk',
        pdf: null,
        pdfName: null,
        issuedBy: 'test-clerk',
      },
      Date.now(),
    );
    await queuePickupDocument(
      db,
      {
        id,
        requestId: request.submissionId,
        kioskId,
        title: { it: 'Certificato di residenza', en: 'Residence certificate' },
        envelope,
        expiresAt: Date.now() + expiresInMs,
      },
      Date.now(),
    );
  });
  await runtime.sync!.syncNow();
  return { id, content };
}

function kioskRow(id: string) {
  return runtime.store.db
    .prepare('SELECT envelope, collected_at, reported_at FROM pickup_documents WHERE id = ?')
    .get(id) as { envelope: Buffer | null; collected_at: number | null; reported_at: number | null } | undefined;
}

beforeAll(async () => {
  hubDir = tempDir('sportello-pickup-hub-');
  hub = await startHub({ dataDir: hubDir });
  hubDb = await openHubDb({ dataDir: hubDir });
  const dataDir = tempDir('sportello-pickup-kiosk-');
  sims = await startVirtualDevices(dataDir);
  const { printer, scanner, magstripe, mrz } = sims.paths;
  const base = parseConfig(JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')), 'demo', { SPORTELLO_DATA_DIR: dataDir });
  runtime = await startRuntime({
    config: { ...base, hub: { url: hub.url }, devices: { printer, barcode: scanner, magstripe, mrz } },
    log: createLogger({ level: 'silent' }),
  });
  runtime.onEvent((frame) => {
    if (frame.event === 'reader.read') reads.push(frame.payload as ReaderRead);
  });
  await runtime.sync!.enroll(await hub.admin.createEnrollmentCode({ istat: '011011', frazione: 'colombiera' }));
  await until(async () => (await value<{ available: boolean }>('services.catalog')).available, 'the catalog');
  await until(() => runtime.devices.status().printer.connection === 'connected', 'the printer');
}, 30_000);

afterAll(async () => {
  await runtime?.close();
  await sims?.close();
  await hubDb?.close();
  await hub?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('offline document pickup', () => {
  it('prints a typeable pickup code under the QR: the same secret, in Crockford base32', async () => {
    const request = await requestForPickup();
    expect(request.receiptText).toContain(groupPickupCode(pickupCodeOf(request.secret)));
    expect(request.receiptText).toContain('Codice di ritiro');
    expect(await value('pickup.find', { receiptCode: request.receiptCode })).toEqual({ status: 'notReady' });
  });

  it('refuses a wrong code and a wrong card, then prints the document for the QR and the same card', async () => {
    const request = await requestForPickup();
    const { id, content } = await issue(request);
    const found = await until(async () => {
      const f = await value<{ status: string }>('pickup.find', { receiptCode: request.receiptCode });
      return f.status === 'ready' ? f : null;
    }, 'the document at the kiosk');
    expect(found).toMatchObject({ title: { it: 'Certificato di residenza' } });

    const wrongSecret = randomBytes(24).toString('base64url');
    expect(
      await errorCode('pickup.collect', {
        receiptCode: request.receiptCode,
        key: { kind: 'scanned', pickupSecret: wrongSecret },
        identity: identity(CF),
      }),
    ).toBe('PICKUP_WRONG_CODE');
    expect(
      await errorCode('pickup.collect', {
        receiptCode: request.receiptCode,
        key: { kind: 'scanned', pickupSecret: request.secret },
        identity: identity(OTHER_CF),
      }),
    ).toBe('PICKUP_WRONG_CARD');
    const failures = runtime.store.db.prepare('SELECT COUNT(*) AS n FROM pickup_failures WHERE scope = ?');
    expect((failures.get(request.submissionId) as { n: number }).n).toBe(2);

    // The resident shows the receipt to the scanner: the secret comes from the reader, as in the UI.
    reads.length = 0;
    await sims.commands.scan([request.qrText]);
    const read = await until(() => reads.find((r) => r.kind === 'receipt'), 'the receipt scan');
    if (read.kind !== 'receipt' || read.pickupSecret === null) throw new Error('no secret scanned');
    const before = sims.printer.receipts().length;
    const collected = await value<{ print: ReceiptPrint; verificationCode: string }>('pickup.collect', {
      receiptCode: read.requestCode,
      key: { kind: 'scanned', pickupSecret: read.pickupSecret },
      identity: identity(CF),
    });
    expect(collected).toMatchObject({ print: { printed: true }, verificationCode: content.verificationCode });
    const printed = await until(() => sims.printer.receipts()[before], 'the printed document');
    expect(printed.text).toContain(content.verificationCode);
    expect(printed.text).toContain('ROSSI MARIO');
    expect(printed.qr).toEqual(['https://hub.example.it/verify']);
    // The answer carries the document's text as printed (Italian), for speech: every printed line is in it.
    expect(collected.print.receipt).toMatchObject({ locale: 'it', pickupCode: null });
    expect(collected.print.receipt.codes).toContain(content.verificationCode);
    const spoken = collected.print.receipt.lines.join('\n');
    const printedLines = printed.text.split('\n').filter((l) => !/^\s*(\[QR|\[LOGO|-*\s*$)/.test(l));
    expect(printedLines.length).toBeGreaterThan(3);
    for (const line of printedLines)
      for (const piece of line.trim().split(/ {2,}/)) expect(spoken, line).toContain(piece);

    // Deleted here at once; reported to the hub on the next sync, which closes the request.
    expect(kioskRow(id)?.envelope).toBeNull();
    expect((failures.get(request.submissionId) as { n: number }).n).toBe(0);
    await runtime.sync!.syncNow();
    await until(() => kioskRow(id)?.reported_at, 'the collection reported');
    const atHub = await hubDb.write((db) =>
      db.selectFrom('pickup_documents').select(['collected_at', 'envelope']).where('id', '=', id).executeTakeFirst(),
    );
    expect(atHub?.collected_at).not.toBeNull();
    expect(atHub?.envelope).toBeNull();
    expect(await value('pickup.find', { receiptCode: request.receiptCode })).toMatchObject({ status: 'collected' });
    expect(
      await errorCode('pickup.collect', {
        receiptCode: request.receiptCode,
        key: { kind: 'scanned', pickupSecret: request.secret },
        identity: identity(CF),
      }),
    ).toBe('NOT_FOUND');
  });

  it('locks a request after 5 wrong pickup codes, even for the right one, and says so before asking', async () => {
    const request = await requestForPickup();
    await issue(request);
    await until(
      async () =>
        (await value<{ status: string }>('pickup.find', { receiptCode: request.receiptCode })).status === 'ready',
      'the document',
    );
    for (let i = 0; i < 5; i++) {
      expect(
        await errorCode('pickup.collect', {
          receiptCode: request.receiptCode,
          key: { kind: 'typed', pickupCode: groupPickupCode(pickupCodeOf(randomBytes(24).toString('base64url'))) },
          identity: identity(CF),
        }),
      ).toBe('PICKUP_WRONG_CODE');
    }
    const before = sims.printer.receipts().length;
    expect(
      await errorCode('pickup.collect', {
        receiptCode: request.receiptCode,
        key: { kind: 'typed', pickupCode: pickupCodeOf(request.secret) },
        identity: identity(CF),
      }),
    ).toBe('RATE_LIMITED');
    expect(await value('pickup.find', { receiptCode: request.receiptCode })).toMatchObject({ status: 'locked' });
    expect(sims.printer.receipts()).toHaveLength(before);
  });

  it('purges a document past its expiry and says it expired', async () => {
    const request = await requestForPickup();
    const { id } = await issue(request, 1500);
    await until(() => kioskRow(id), 'the document at the kiosk');
    await new Promise((r) => setTimeout(r, 1600));
    expect(await value('pickup.find', { receiptCode: request.receiptCode })).toMatchObject({ status: 'expired' });
    expect(runtime.pickup.purge().expired).toBeGreaterThanOrEqual(1);
    expect(kioskRow(id)?.envelope).toBeNull();
    expect(
      await errorCode('pickup.collect', {
        receiptCode: request.receiptCode,
        key: { kind: 'scanned', pickupSecret: request.secret },
        identity: identity(CF),
      }),
    ).toBe('NOT_FOUND');
  });

  it('never leaves the document, the pickup secret or the codice fiscale readable in the kiosk database', async () => {
    await runtime.sync!.syncNow();
    const files = readdirSync(runtime.config.dataDir).filter((f) => f.startsWith(STORE_FILE));
    expect(files).toContain(STORE_FILE);
    for (const file of files) {
      const bytes = readFileSync(join(runtime.config.dataDir, file));
      expect(bytes.includes(Buffer.from(DOCUMENT_LINE)), file).toBe(false);
      expect(bytes.includes(Buffer.from('ROSSI MARIO')), file).toBe(false);
      expect(bytes.includes(Buffer.from(CF)), file).toBe(false);
      for (const secret of secretsSeen) {
        expect(bytes.includes(Buffer.from(secret)), file).toBe(false);
        expect(bytes.includes(Buffer.from(pickupCodeOf(secret))), file).toBe(false);
      }
    }
  });
});
