/**
 * A document waiting at the kiosk for a resident, made the way it happens:
 * a certificate asked for pickup here, delivered to the hub, and a document
 * issued for it there (what the back office does: sealed under the secret of
 * the receipt's QR, queued for this kiosk), pulled by the kiosk.
 */
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { parseReceiptQr } from '../../hardware/readers/receipt-qr';
import { insertIssuedDocument, queuePickupDocument } from '../../server/db/documents';
import { openHubDb } from '../../server/db/open';
import { loadEnrollment } from '../../sync/client/enrollment';
import { sealForPickup } from '../../sync/crypto/pickup';
import type { PickupContent } from '../../sync/protocol';
import { findByReceiptCode } from '../../sync/store/submissions';
import { certificateForPickupHere } from '../helpers/requests';
import { kioskValue, until } from './services-harness';
import type { ServiceKiosk } from './services-harness';

/** Issues a certificato di residenza for `codiceFiscale` and waits until the kiosk holds it; the receipt's QR. */
export async function documentWaiting(
  kiosk: ServiceKiosk,
  codiceFiscale: string,
): Promise<{ qr: string; verificationCode: string }> {
  const from = kiosk.receiptCount();
  const created = await kioskValue<{ receiptCode: string }>(
    kiosk,
    'requests.create',
    certificateForPickupHere(codiceFiscale),
  );
  await kioskValue(kiosk, 'session.ended', { reason: 'done' });
  const qr = (await until(() => kiosk.receiptsSince(from)[0], 'the request receipt')).qr[0] ?? '';
  const parsed = parseReceiptQr(qr);
  if (!parsed.ok || parsed.value.pickupSecret === null) throw new Error('no pickup QR');
  const secret = parsed.value.pickupSecret;
  await kiosk.runtime.sync!.syncNow();
  await until(
    async () =>
      (await kioskValue<{ delivery: string }>(kiosk, 'requests.lookup', { receiptCode: created.receiptCode }))
        .delivery === 'delivered',
    'delivery',
  );
  const requestId = findByReceiptCode(kiosk.runtime.store.db, created.receiptCode)!.id;
  const id = uuidv7();
  const verificationCode = `C240-${randomBytes(3).toString('hex').toUpperCase()}`;
  const content: PickupContent = {
    v: 1,
    codiceFiscale,
    title: 'Certificato di residenza',
    lines: ['Si certifica che il richiedente risulta residente nel Comune (dati di esempio).'],
    issuer: 'Comune di Castelnuovo Magra - Ufficio Anagrafe',
    issuedAt: new Date().toISOString(),
    verificationCode,
    verificationUrl: 'https://hub.example.it/verify',
  };
  const hubDb = await openHubDb({ dataDir: dirname(kiosk.hub()!.location) });
  try {
    await hubDb.write(async (db) => {
      const doc = { id, requestId, verificationCode, delivery: 'kiosk' as const, pdf: null, pdfName: null };
      await insertIssuedDocument(db, { ...doc, issuedBy: 'e2e-clerk' }, Date.now());
      await queuePickupDocument(
        db,
        {
          id,
          requestId,
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
    async () =>
      (await kioskValue<{ status: string }>(kiosk, 'pickup.find', { receiptCode: created.receiptCode })).status ===
      'ready',
    'the document at the kiosk',
  );
  return { qr, verificationCode };
}
