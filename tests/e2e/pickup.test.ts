/**
 * Ritiro documenti end to end: the built UI in Chromium, the real runtime with
 * virtual devices, and a real hub. A certificate requested for pickup at this
 * kiosk is issued at the hub for the secret in the receipt's QR; the resident
 * scans the QR, shows the same card, and the document comes out of the virtual
 * printer with its verification code. Axe on every screen.
 */
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReceiptQr } from '../../hardware/readers/receipt-qr';
import { insertIssuedDocument, queuePickupDocument } from '../../server/db/documents';
import { openHubDb } from '../../server/db/open';
import { loadEnrollment } from '../../sync/client/enrollment';
import { sealForPickup } from '../../sync/crypto/pickup';
import type { PickupContent } from '../../sync/protocol';
import { findByReceiptCode } from '../../sync/store/submissions';
import { STRINGS, expectNoAxeViolations, launchBrowser, screenshot } from './harness';
import { heading, openKiosk, start, startsWith } from './journeys';
import { startServiceKiosk, until } from './services-harness';
import type { ServiceKiosk } from './services-harness';

const CF = 'RSSMRA85T10A562S';

let browser: Browser;
let kiosk: ServiceKiosk;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [browser, kiosk] = await Promise.all([launchBrowser(), startServiceKiosk()]);
}, 60_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await kiosk?.close();
});

async function api<T>(method: string, input: unknown): Promise<T> {
  const result = (await kiosk.runtime.dispatch(JSON.stringify({ id: 1, method, input }))).result;
  if (!result.ok) throw new Error(`${method}: ${result.error.code}`);
  return result.value as T;
}

/** A request for pickup here, delivered, and a document issued for it at the hub; the receipt's QR. */
async function documentWaiting(): Promise<{ qr: string; verificationCode: string }> {
  const from = kiosk.receiptCount();
  const created = await api<{ receiptCode: string }>('requests.create', {
    kind: 'certificate',
    locale: 'it',
    certificateType: 'residenza',
    identity: {
      source: 'scanner',
      codiceFiscale: CF,
      surname: null,
      givenNames: null,
      birthDate: null,
      document: null,
    },
    subject: { relation: 'self' },
    stampDuty: { kind: 'exempt', reason: 'pension' },
    delivery: { kind: 'kiosk' },
  });
  await api('session.ended', { reason: 'done' });
  const receipt = await until(() => kiosk.receiptsSince(from)[0], 'the request receipt');
  const qr = receipt.qr[0] ?? '';
  const parsed = parseReceiptQr(qr);
  if (!parsed.ok || parsed.value.pickupSecret === null) throw new Error('no pickup QR');
  const secret = parsed.value.pickupSecret;
  await kiosk.runtime.sync!.syncNow();
  await until(
    async () =>
      (await api<{ delivery: string }>('requests.lookup', { receiptCode: created.receiptCode })).delivery ===
      'delivered',
    'delivery',
  );
  const submissionId = findByReceiptCode(kiosk.runtime.store.db, created.receiptCode)!.id;
  const id = uuidv7();
  const verificationCode = `C240-${randomBytes(3).toString('hex').toUpperCase()}`;
  const content: PickupContent = {
    v: 1,
    codiceFiscale: CF,
    title: 'Certificato di residenza',
    lines: ['Si certifica che il richiedente risulta residente nel Comune (dati di esempio).'],
    issuer: 'Comune di Castelnuovo Magra - Ufficio Anagrafe',
    issuedAt: new Date().toISOString(),
    verificationCode,
    verificationUrl: 'https://hub.example.it/verify',
  };
  // What the back office does on issuing: seal under the receipt's secret, queue for this kiosk.
  const hubDb = await openHubDb({ dataDir: dirname(kiosk.hub()!.location) });
  try {
    await hubDb.write(async (db) => {
      await insertIssuedDocument(
        db,
        {
          id,
          requestId: submissionId,
          verificationCode,
          delivery: 'kiosk',
          pdf: null,
          pdfName: null,
          issuedBy: 'e2e-clerk',
        },
        Date.now(),
      );
      await queuePickupDocument(
        db,
        {
          id,
          requestId: submissionId,
          kioskId: loadEnrollment(kiosk.runtime.store.db)!.kioskId,
          title: { it: 'Certificato di residenza', en: 'Residence certificate' },
          envelope: sealForPickup(secret, id, new TextEncoder().encode(JSON.stringify(content))),
          expiresAt: Date.now() + 30 * 24 * 60 * 60_000,
        },
        Date.now(),
      );
    });
  } finally {
    await hubDb.close();
  }
  await kiosk.runtime.sync!.syncNow();
  await until(
    async () => (await api<{ status: string }>('pickup.find', { receiptCode: created.receiptCode })).status === 'ready',
    'the document at the kiosk',
  );
  return { qr, verificationCode };
}

describe('Ritiro documenti', () => {
  it('scan the receipt QR, show the same card: the document is printed with its verification code', async () => {
    const { qr, verificationCode } = await documentWaiting();
    const s = STRINGS.it;
    const d = await openKiosk(browser, kiosk.url, { onContext: (c) => contexts.push(c) });
    const check = async (label: string) => {
      await expectNoAxeViolations(d.page, `pickup ${label}`);
      await screenshot(d.page, `pickup-${label}`);
    };
    await start(d);
    await d.tap(startsWith(s.service.pickup.title));
    await heading(d.page, s.pickup.waiting.scanTitle).waitFor();
    await check('scan');
    d.taps = 0;

    await kiosk.sims.commands.scan([qr]);
    await heading(d.page, s.identify.waiting.title).waitFor();
    expect(await d.page.getByText(s.pickup.sameCard).count()).toBe(1);
    await check('identify');
    await kiosk.sims.commands.scan([CF]);
    await heading(d.page, s.identify.confirm.title).waitFor();
    await check('identify-confirm');
    const from = kiosk.receiptCount();
    await d.tap(s.identify.confirm.yes);
    await heading(d.page, s.pickup.done.title).waitFor();
    await check('done');
    expect(await d.page.getByText(verificationCode).count()).toBeGreaterThan(0);
    const printed = await until(() => kiosk.receiptsSince(from)[0], 'the printed document');
    expect(printed.text).toContain(verificationCode);
    expect(printed.text).toContain('Certificato di residenza');
    await d.tap(s.pickup.finish);
    await d.page.getByRole('button', { name: s.attract.touchToStart }).waitFor();
    // Scan and card are not taps: "yes, it's me" and "finish".
    expect(d.taps).toBe(2);
  });
});
