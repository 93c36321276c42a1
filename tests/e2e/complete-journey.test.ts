/**
 * A request carried through to its completion, across both UIs in one run
 * (issue 8): a resident asks at the kiosk for a certificate to collect there,
 * with the hub down; the hub comes up and receives it; a clerk issues the
 * document in the hub's console; the kiosk pulls it encrypted; the hub goes
 * down again and the resident collects it with the receipt's QR and the same
 * card (a different card first is refused); the collection reaches the hub
 * once it is back. The kiosk UI and the console both run in the system
 * Chromium, driven with the pointer and the keyboard; the devices are the
 * virtual ones on PTYs, the hub a real one that the test stops and starts.
 * axe runs on the console's request page and on every pickup screen.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReceiptQr } from '../../hardware/readers/receipt-qr';
import { openHubDb } from '../../server/db/open';
import { expectStoreHoldsNone } from '../helpers/store-bytes';
import { STRINGS, expectNoAxeViolations, launchBrowser, screenshot } from './harness';
import {
  certificateAfterCard,
  heading,
  noCheck,
  openKiosk,
  openService,
  shownCode,
  start,
  startsWith,
} from './journeys';
import type { Driver } from './journeys';
import { kioskValue, startServiceKiosk, until } from './services-harness';
import type { ServiceKiosk } from './services-harness';

/** The resident's Tessera Sanitaria, and another resident's (valid, but not theirs). */
const CF = 'RSSMRA85T10A562S';
const OTHER_CF = 'BNCLRA85M41C240R';
const CLERK = 'sportellista';
const PASSWORD = 'una password di prova';
/** What the clerk types as the document's text: short lines, so the receipt prints each one whole. */
const DOCUMENT_LINES = [
  'Si certifica che il richiedente',
  'risulta residente a Colombiera',
  'di Castelnuovo Magra (esempio).',
];
const PDF = Buffer.from('%PDF-1.4\n% certificato di residenza di prova\ntrailer << >>\n%%EOF\n');
const s = STRINGS.it;

let browser: Browser;
let kiosk: ServiceKiosk;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [browser, kiosk] = await Promise.all([launchBrowser(), startServiceKiosk()]);
  // The clerk is made with the hub's own user functions, as `npm run hub -- user create` does.
  await kiosk.hub()!.users.create({ login: CLERK, role: 'clerk', password: PASSWORD });
}, 60_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await kiosk?.close();
});

const api = <T>(method: string, input: unknown) => kioskValue<T>(kiosk, method, input);

/** The hub's pickup row of a document, read from its database while it runs. */
async function hubPickupRow(requestId: string) {
  const hubDb = await openHubDb({ dataDir: dirname(kiosk.hub()!.location) });
  try {
    return await hubDb.db
      .selectFrom('pickup_documents')
      .select(['id', 'collected_at'])
      .select((eb) => eb('envelope', 'is not', null).as('has_envelope'))
      .where('request_id', '=', requestId)
      .execute();
  } finally {
    await hubDb.close();
  }
}

/** The clerk's console: sign in, open the request from the inbox, take it in charge, issue the document. */
async function clerkIssuesDocument(protocol: string): Promise<{ page: Page; verificationCode: string }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'it-IT' });
  contexts.push(context);
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.goto(`${kiosk.hub()!.url}/console/`);
  await page.getByRole('heading', { name: 'Accesso alla console' }).waitFor();
  await page.getByLabel('Nome utente').click();
  await page.keyboard.type(CLERK);
  await page.getByLabel('Password').click();
  await page.keyboard.type(PASSWORD);
  await page.getByRole('button', { name: 'Accedi' }).click();

  await page.getByRole('heading', { name: 'Pratiche dai chioschi' }).waitFor();
  const row = page.getByRole('row').filter({ hasText: protocol });
  await row.getByRole('link', { name: protocol }).click();
  await page.getByRole('heading', { name: `Pratica ${protocol}` }).waitFor();
  await expectNoAxeViolations(page, 'console request');

  // The clerk checks who asked and how it is to be delivered (an audited opening).
  await page.getByRole('button', { name: 'Apri i dati personali' }).click();
  const personal = page.getByRole('region', { name: 'Dati personali' });
  await expect.poll(() => personal.textContent()).toContain(CF);
  expect(await personal.textContent()).toContain('ritiro al chiosco');

  await page.getByLabel('Azione').selectOption('take');
  await page.getByRole('button', { name: 'Registra' }).click();
  await page.getByText('Stato aggiornato: Presa in carico.').first().waitFor();

  await page.getByLabel('Testo del documento').click();
  await page.keyboard.type(DOCUMENT_LINES.join('\n'));
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByLabel(/^PDF del documento/).click(),
  ]);
  await chooser.setFiles({ name: 'residenza.pdf', mimeType: 'application/pdf', buffer: PDF });
  await page.getByRole('button', { name: 'Emetti' }).click();
  const issued = page.locator('.callout-info').filter({ hasText: 'Documento emesso' });
  await issued.waitFor();
  const verificationCode = /([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/.exec((await issued.textContent()) ?? '')?.[1];
  if (verificationCode === undefined) throw new Error('no verification code in the console');
  const documents = page.getByRole('region', { name: 'Documenti emessi' });
  await expect.poll(() => documents.textContent()).toContain(verificationCode);
  expect(await documents.textContent()).toContain('in attesa al chiosco');
  await expectNoAxeViolations(page, 'console request, document issued');
  await screenshot(page, 'journey-console-issued');
  return { page, verificationCode };
}

describe('a certificate carried through to its completion', () => {
  it('is asked offline at the kiosk, issued in the console, and collected offline with the receipt QR and the same card', async () => {
    // ── 1. The resident asks for a residence certificate to collect here; the hub is down.
    await kiosk.stopHub();
    const d: Driver = await openKiosk(browser, kiosk.url, { onContext: (c) => contexts.push(c) });
    await start(d);
    await openService(d, 'certificate');
    await heading(d.page, s.identify.waiting.title).waitFor();
    const printedBefore = kiosk.receiptCount();
    await kiosk.sims.commands.scan([CF]);
    await certificateAfterCard(d, 'it', noCheck);
    const code = await shownCode(d.page, 'it');
    await screenshot(d.page, 'journey-receipt-offline');
    const receipt = await until(() => kiosk.receiptsSince(printedBefore)[0], 'the request receipt');
    expect(receipt.text).toContain(code);
    expect(receipt.text).not.toContain(CF);
    const qr = receipt.qr[0] ?? '';
    const parsed = parseReceiptQr(qr);
    if (!parsed.ok || parsed.value.pickupSecret === null) throw new Error(`no pickup QR on the receipt: ${qr}`);
    const pickupSecret = parsed.value.pickupSecret;
    expect(kiosk.runtime.sync!.status().queued).toBe(1);
    expect((await api<{ delivery: string }>('requests.lookup', { receiptCode: code })).delivery).toBe('waiting');
    await d.tap(s.flow.receipt.finish);
    await d.page.getByRole('button', { name: s.attract.touchToStart }).waitFor();

    // ── 2. The hub comes up and receives it, exactly once (a technician's "sync now" instead of the backoff).
    await kiosk.startHub();
    await kiosk.runtime.sync!.syncNow();
    await until(() => kiosk.runtime.sync!.status().queued === 0, 'the queue to empty', 20_000);
    const { protocolNumber, delivery } = await api<{ protocolNumber: string; delivery: string }>('requests.lookup', {
      receiptCode: code,
    });
    expect(delivery).toBe('delivered');
    const atHub = await kiosk.hubRequests();
    expect(atHub).toHaveLength(1);
    expect(atHub[0]).toMatchObject({ protocolNumber, status: 'accepted', kind: 'certificate' });
    const requestId = atHub[0]!.id;

    // ── 3. A clerk issues the document in the console, with its text and a PDF.
    const { page: consolePage, verificationCode } = await clerkIssuesDocument(protocolNumber);
    expect((await kiosk.hubRequests())[0]).toMatchObject({ id: requestId, status: 'ready-for-pickup' });

    // ── 4. The kiosk pulls it, encrypted: ready for pickup, and nothing of it readable in the store.
    await kiosk.runtime.sync!.syncNow();
    const found = await until(async () => {
      const f = await api<{ status: string; title?: Record<string, string> }>('pickup.find', { receiptCode: code });
      return f.status === 'ready' && f;
    }, 'the document at the kiosk');
    expect(found.title?.it).toBe('Certificato di residenza');
    const stored = kiosk.runtime.store.db
      .prepare('SELECT submission_id, length(envelope) AS bytes, collected_at FROM pickup_documents')
      .all() as Array<{ submission_id: string; bytes: number; collected_at: number | null }>;
    expect(stored).toEqual([{ submission_id: requestId, bytes: expect.any(Number), collected_at: null }]);
    expect(stored[0]!.bytes).toBeGreaterThan(0);
    const secrets = {
      ...Object.fromEntries(DOCUMENT_LINES.map((line, i) => [`line ${i + 1} of the document`, line])),
      'the verification code': verificationCode,
      'the pickup secret': pickupSecret,
      'the codice fiscale': CF,
    };
    expectStoreHoldsNone(kiosk.dataDir, secrets, requestId);

    // ── 5. The hub goes down; the resident comes back with the receipt and the card.
    await kiosk.stopHub();
    const check = async (label: string) => {
      await expectNoAxeViolations(d.page, `journey pickup ${label}`);
      await screenshot(d.page, `journey-pickup-${label}`);
    };
    await start(d);
    await d.tap(startsWith(s.service.pickup.title));
    await heading(d.page, s.pickup.waiting.scanTitle).waitFor();
    await check('scan');
    await kiosk.sims.commands.scan([qr]);
    await heading(d.page, s.identify.waiting.title).waitFor();
    await d.page.getByText(s.pickup.sameCard).waitFor();
    await check('identify');

    // Another resident's card first: refused, nothing printed, the document still waits.
    const beforeWrong = kiosk.receiptCount();
    await kiosk.sims.commands.scan([OTHER_CF]);
    await heading(d.page, s.identify.confirm.title).waitFor();
    await check('identify-confirm');
    await d.tap(s.identify.confirm.yes);
    await heading(d.page, s.pickup.wrongCard.title).waitFor();
    await check('wrong-card');
    expect(kiosk.receiptCount()).toBe(beforeWrong);
    expect((await api<{ status: string }>('pickup.find', { receiptCode: code })).status).toBe('ready');

    // The same card: the document comes out with its verification code.
    await d.tap(s.pickup.wrongCard.retry);
    await heading(d.page, s.identify.waiting.title).waitFor();
    await kiosk.sims.commands.scan([CF]);
    await heading(d.page, s.identify.confirm.title).waitFor();
    const beforeDocument = kiosk.receiptCount();
    await d.tap(s.identify.confirm.yes);
    await heading(d.page, s.pickup.done.title).waitFor();
    await d.page.getByText(verificationCode).first().waitFor();
    await check('done');
    const printed = await until(() => kiosk.receiptsSince(beforeDocument)[0], 'the printed document');
    // What the virtual printer decoded from the bytes it received, as written to its output file.
    const paper = readFileSync(printed.files.txt, 'utf8');
    for (const line of DOCUMENT_LINES) expect(paper).toContain(line);
    expect(paper).toContain(verificationCode);
    expect(paper).toContain('Certificato di residenza');
    expect(kiosk.receiptsSince(beforeDocument)).toHaveLength(1);
    await d.tap(s.pickup.finish);
    await d.page.getByRole('button', { name: s.attract.touchToStart }).waitFor();

    // Collected here while the hub is away: the envelope is gone, the collection waits to be reported.
    expect((await api<{ status: string }>('pickup.find', { receiptCode: code })).status).toBe('collected');
    const collected = kiosk.runtime.store.db
      .prepare('SELECT envelope IS NULL AS gone, reported_at FROM pickup_documents')
      .all() as Array<{ gone: number; reported_at: number | null }>;
    expect(collected).toEqual([{ gone: 1, reported_at: null }]);
    expectStoreHoldsNone(kiosk.dataDir, secrets, requestId);

    // ── 6. The hub is back: the collection reaches it, the request is closed, the ciphertext deleted.
    await kiosk.startHub();
    await kiosk.runtime.sync!.syncNow();
    await until(
      () =>
        (
          kiosk.runtime.store.db.prepare('SELECT reported_at FROM pickup_documents').get() as {
            reported_at: number | null;
          }
        ).reported_at !== null,
      'the collection reported',
      20_000,
    );
    expect((await kiosk.hubRequests()).map((r) => [r.id, r.status])).toEqual([[requestId, 'closed']]);
    const [atHubDocument] = await hubPickupRow(requestId);
    expect(atHubDocument).toMatchObject({ collected_at: expect.any(Number) });
    expect(Boolean(atHubDocument!.has_envelope)).toBe(false);

    // The clerk's console says so too.
    await consolePage.reload();
    await consolePage.getByRole('heading', { name: `Pratica ${protocolNumber}` }).waitFor();
    const documents = consolePage.getByRole('region', { name: 'Documenti emessi' });
    await expect.poll(() => documents.textContent()).toContain('ritirato il');
    expect(await consolePage.getByText('La pratica è conclusa: non ci sono altre azioni.').count()).toBe(1);
    await expectNoAxeViolations(consolePage, 'console request, collected');
    await screenshot(consolePage, 'journey-console-collected');
  });
});
