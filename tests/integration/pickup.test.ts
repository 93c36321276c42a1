/**
 * Ritiro documenti through the real runtime: virtual devices on PTYs, a hub
 * on an ephemeral port, the kiosk store on disk. A certificate requested for
 * pickup here is issued at the hub (sealed under the secret of the receipt's
 * QR), pulled, refused to a wrong code and a wrong card, rate-limited, printed
 * for the right ones, recorded at the hub, and deleted from the kiosk; an
 * expired one is purged. The kiosk's files never hold the document, the
 * secret or the codice fiscale in clear.
 */
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VirtualDevices } from '../../hardware/sim/devices';
import { parseReceiptQr } from '../../hardware/readers/receipt-qr';
import type { ReaderRead, ReceiptPrint } from '../../kiosk-shell/api/contract';
import { groupPickupCode, pickupCodeOf } from '../../kiosk-shell/runtime/pickup-code';
import type { Runtime } from '../../kiosk-shell/runtime/runtime';
import { insertIssuedDocument, queuePickupDocument } from '../../server/db/documents';
import { openHubDb } from '../../server/db/open';
import type { HubDb } from '../../server/db/open';
import { loadEnrollment } from '../../sync/client/enrollment';
import { sealForPickup } from '../../sync/crypto/pickup';
import type { PickupContent } from '../../sync/protocol';
import { findByReceiptCode } from '../../sync/store/submissions';
import { certificateForPickupHere, scannedIdentity } from '../helpers/requests';
import { expectStoreHoldsNone, newestReceiptCode } from '../helpers/store-bytes';
import { call as callKiosk, startEnrolledKiosk } from '../helpers/enrolled-kiosk';
import type { EnrolledKiosk } from '../helpers/enrolled-kiosk';
import { until } from '../helpers/until';

const CF = 'RSSMRA85T10A562S';
const OTHER_CF = 'BNCNNA90A41H501X';
const PICKUP_HERE = certificateForPickupHere(CF);
const DOCUMENT_LINE = 'Si certifica che ROSSI MARIO risulta residente in Via Aurelia 12 dal 2001.';

let kiosk: EnrolledKiosk;
let hubDb: HubDb;
let sims: VirtualDevices;
let runtime: Runtime;
let reads: ReaderRead[];
const secretsSeen: string[] = [];

const call = (method: string, input: unknown = {}) => callKiosk(runtime, method, input);

async function value<T = Record<string, unknown>>(method: string, input: unknown = {}): Promise<T> {
  const result = await call(method, input);
  if (!result.ok) throw new Error(`${method} failed: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

async function errorCode(method: string, input: unknown): Promise<string> {
  const result = await call(method, input);
  return result.ok ? 'OK' : result.error.code;
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
  kiosk = await startEnrolledKiosk('sportello-pickup-');
  ({ sims, runtime, reads } = kiosk);
  hubDb = await openHubDb({ dataDir: kiosk.hubDir });
}, 30_000);

afterAll(async () => {
  await hubDb?.close();
  await kiosk?.close();
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
        identity: scannedIdentity(CF),
      }),
    ).toBe('PICKUP_WRONG_CODE');
    expect(
      await errorCode('pickup.collect', {
        receiptCode: request.receiptCode,
        key: { kind: 'scanned', pickupSecret: request.secret },
        identity: scannedIdentity(OTHER_CF),
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
      identity: scannedIdentity(CF),
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
        identity: scannedIdentity(CF),
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
          identity: scannedIdentity(CF),
        }),
      ).toBe('PICKUP_WRONG_CODE');
    }
    const before = sims.printer.receipts().length;
    expect(
      await errorCode('pickup.collect', {
        receiptCode: request.receiptCode,
        key: { kind: 'typed', pickupCode: pickupCodeOf(request.secret) },
        identity: scannedIdentity(CF),
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
        identity: scannedIdentity(CF),
      }),
    ).toBe('NOT_FOUND');
  });

  it('never leaves the document, the pickup secret or the codice fiscale readable in the kiosk database', async () => {
    await runtime.sync!.syncNow();
    expect(secretsSeen.length).toBeGreaterThan(0);
    const secrets: Record<string, string> = {
      'document line': DOCUMENT_LINE,
      name: 'ROSSI MARIO',
      'codice fiscale': CF,
    };
    secretsSeen.forEach((secret, i) => {
      secrets[`pickup secret ${i}`] = secret;
      secrets[`pickup code ${i}`] = pickupCodeOf(secret);
    });
    expectStoreHoldsNone(runtime.config.dataDir, secrets, newestReceiptCode(runtime.store.db));
  });
});
