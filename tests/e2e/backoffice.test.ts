/**
 * The back office in the system Chromium, served by a real hub: a clerk signs
 * in, finds a kiosk's request in the inbox, opens its personal data (audited),
 * takes it in charge and issues the document with a PDF; the kiosk's pull then
 * carries it, and the public verification page confirms it. axe (WCAG 2.1 AA)
 * runs on every view.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CertificateContent } from '../../sync/protocol';
import { openHubDb } from '../../server/db/open';
import type { RunningHub } from '../../server/hub';
import { TestKiosk } from '../../server/testing/kiosk';
import { ISTAT, PASSWORD, startConsoleHub } from '../helpers/console-hub';
import type { ConsoleHub } from '../helpers/console-hub';
import { expectNoAxeViolations, launchBrowser, screenshot } from './harness';

const PDF = Buffer.from('%PDF-1.4\n% certificato di prova\ntrailer << >>\n%%EOF\n');

describe('back office', () => {
  let consoleHub: ConsoleHub;
  let dir: string;
  let hub: RunningHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    consoleHub = await startConsoleHub('sqlite', 'sportello-e2e-backoffice-');
    ({ hub, dir } = consoleHub);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await consoleHub?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'it-IT' });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
  });

  async function signIn(login: string): Promise<void> {
    await page.goto(`${hub.url}/console/`);
    await page.getByRole('heading', { name: 'Accesso alla console' }).waitFor();
    await page.getByLabel('Nome utente').fill(login);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Accedi' }).click();
  }

  it('takes a certificate request from the inbox to a document the kiosk collects and anyone verifies', async () => {
    const kiosk = new TestKiosk(hub.url);
    await kiosk.enroll(await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'marciano' }));
    const content: CertificateContent = {
      v: 1,
      kind: 'certificate',
      certificateType: 'residenza',
      applicant: {
        source: 'typed',
        codiceFiscale: 'BNCLRA85M41C240K',
        surname: 'BIANCHI',
        givenNames: 'LAURA',
        birthDate: null,
        document: null,
      },
      subject: { relation: 'self' },
      stampDuty: { kind: 'stamp', number: '01234567890123' },
      delivery: { kind: 'kiosk' },
      pickupSecret: randomBytes(24).toString('base64url'),
    };
    const item = await kiosk.item({ service: 'residenza', plaintext: JSON.stringify(content) });
    const [accepted] = (await kiosk.push([item])).results;
    const protocol = accepted!.status === 'accepted' ? accepted!.protocolNumber : '';
    let cursor = (await kiosk.pull()).cursor;

    await signIn('sportellista');
    await page.getByRole('heading', { name: 'Pratiche dai chioschi' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: protocol });
    await expect.poll(() => row.textContent()).toContain('Da lavorare');
    expect(await row.textContent()).toContain('Marciano');
    expect(await page.content()).not.toContain('BIANCHI');
    // The audit log is an admin's page: a clerk has no link to it.
    expect(await page.getByRole('link', { name: 'Registro accessi' }).count()).toBe(0);
    await expectNoAxeViolations(page, 'back office inbox');

    await page.getByLabel('Frazione').selectOption('canale');
    await page.getByRole('button', { name: 'Applica i filtri' }).click();
    await page.getByText('Nessuna pratica con questi filtri.').waitFor();
    await page.getByLabel('Frazione').selectOption('marciano');
    await page.getByRole('button', { name: 'Applica i filtri' }).click();
    await row.getByRole('link', { name: protocol }).click();

    await page.getByRole('heading', { name: `Pratica ${protocol}` }).waitFor();
    expect(await page.content()).not.toContain('BIANCHI');
    await expectNoAxeViolations(page, 'request, personal data closed');
    await page.getByRole('button', { name: 'Apri i dati personali' }).click();
    const personal = page.getByRole('region', { name: 'Dati personali' });
    await expect.poll(() => personal.textContent()).toContain('BNCLRA85M41C240K');
    expect(await personal.textContent()).toContain('marca da bollo n. 01234567890123');
    expect(await personal.textContent()).not.toContain(content.pickupSecret!);
    await expectNoAxeViolations(page, 'request, personal data open');

    await page.getByLabel('Azione').selectOption('take');
    await page.getByRole('button', { name: 'Registra' }).click();
    await page.getByText('Stato aggiornato: Presa in carico.').first().waitFor();

    await page.getByLabel('Testo del documento').fill('Si certifica che BIANCHI LAURA\nè residente a Marciano.');
    await page
      .getByLabel('PDF del documento (facoltativo; obbligatorio per l’invio per e-mail)')
      .setInputFiles({ name: 'residenza.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByRole('button', { name: 'Emetti' }).click();
    const issued = page.locator('.callout-info').filter({ hasText: 'Documento emesso' });
    await issued.waitFor();
    const code = /([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/.exec((await issued.textContent()) ?? '')?.[1];
    expect(code).toBeDefined();
    const documents = page.getByRole('region', { name: 'Documenti emessi' });
    await expect.poll(() => documents.textContent()).toContain(code!);
    expect(await documents.textContent()).toContain('in attesa al chiosco');
    await expectNoAxeViolations(page, 'request, document issued');
    await screenshot(page, 'console-request');

    // The kiosk's next pull carries the document.
    const pulled = await kiosk.pull(cursor);
    cursor = pulled.cursor;
    expect(pulled.documents).toMatchObject([{ submissionId: item.id }]);
    expect(pulled.statusChanges.map((c) => c.status)).toEqual(['in-progress', 'ready-for-pickup']);

    // Every opening is in the audit log.
    const reader = await openHubDb({ dataDir: dir });
    try {
      const opens = await reader.db
        .selectFrom('audit_log')
        .select('detail')
        .where('action', '=', 'request.open')
        .where('subject', '=', item.id)
        .execute();
      expect(opens.length).toBe(2); // the clerk's opening, and the one issuing needed
    } finally {
      await reader.close();
    }

    // The public verification page, in Italian and English.
    await page.goto(`${hub.url}/verify`);
    await page.getByRole('heading', { name: 'Verifica di un documento' }).waitFor();
    await expectNoAxeViolations(page, 'verification form');
    await page.getByLabel('Codice di verifica').fill(code!.toLowerCase());
    await page.getByRole('button', { name: 'Verifica' }).click();
    await page.getByRole('heading', { name: 'Documento valido' }).waitFor();
    expect(await page.content()).not.toContain('BIANCHI');
    await expectNoAxeViolations(page, 'verification, valid');
    await screenshot(page, 'verify-valid');
    await page.getByRole('link', { name: 'Read this page in English' }).click();
    await page.getByRole('heading', { name: 'Valid document' }).waitFor();
    await expectNoAxeViolations(page, 'verification, valid, English');

    // Revoked from the console: the page says so.
    await page.goto(`${hub.url}/console/#/request/${item.id}`);
    await page.getByRole('button', { name: `Revoca il documento ${code!}` }).click();
    await page.getByText('Documento revocato.').first().waitFor();
    await page.goto(`${hub.url}/verify/${code!}`);
    await page.getByRole('heading', { name: 'Documento revocato' }).waitFor();
    await expectNoAxeViolations(page, 'verification, revoked');
  });

  it('pages the inbox, and shows an admin who opened a request in the audit log', async () => {
    const kiosk = new TestKiosk(hub.url);
    await kiosk.enroll(await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione: 'vallecchia' }));
    // More than a page (50): two pushes of 30 segnalazioni.
    const ids: string[] = [];
    for (let batch = 0; batch < 2; batch += 1) {
      const items = [];
      for (let i = 0; i < 30; i += 1) {
        items.push(
          await kiosk.item({
            kind: 'report',
            service: 'segnalazione-illuminazione',
            plaintext: JSON.stringify({
              v: 1,
              kind: 'report',
              place: { kind: 'nearKiosk' },
              description: `Lampione spento ${batch}-${i}`,
              contact: null,
            }),
          }),
        );
      }
      const { results } = await kiosk.push(items);
      expect(results.every((r) => r.status === 'accepted')).toBe(true);
      ids.push(...items.map((item) => item.id));
    }

    await signIn('ada');
    await page.getByRole('link', { name: 'Pratiche', exact: true }).click();
    await page.getByRole('heading', { name: 'Pratiche dai chioschi' }).waitFor();
    await page.getByLabel('Frazione').selectOption('vallecchia');
    await page.getByRole('button', { name: 'Applica i filtri' }).click();
    await page.getByText('50 di 60 pratiche').waitFor();
    expect(await page.locator('tbody tr').count()).toBe(50);
    await page.getByRole('button', { name: 'Mostra altre pratiche' }).click();
    await page.getByText('60 pratiche', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Mostra altre pratiche' }).count()).toBe(0);
    // The first request of the new page has the focus; every request is listed once.
    const focused = await page.evaluate(() => document.activeElement?.closest('tr')?.dataset.requestId);
    expect(focused).toBe(ids[50]);
    const listed = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.requestId));
    expect(listed).toEqual(ids);
    await expectNoAxeViolations(page, 'inbox, second page');

    // An admin opens a request, then reads its audit log.
    await page.goto(`${hub.url}/console/#/request/${ids[0]!}`);
    await page.getByRole('button', { name: 'Apri i dati personali' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Dati personali' }).textContent()).toContain('Lampione');
    await page.getByRole('link', { name: 'Registro degli accessi a questa pratica' }).click();
    await page.getByRole('heading', { name: 'Registro degli accessi alle pratiche' }).waitFor();
    const entry = page.getByRole('row').filter({ hasText: 'Dati personali aperti' });
    await expect.poll(() => entry.textContent()).toContain('ada (amministratore)');
    expect(await page.getByRole('row').count()).toBe(2); // the header and the one opening
    expect(await page.content()).not.toContain('Lampione');
    await expectNoAxeViolations(page, 'audit log');
    await screenshot(page, 'console-audit');

    // Filtered by a user who did nothing: no entry.
    await page.getByLabel('Utente').selectOption({ label: 'tecnico (tecnico)' });
    await page.getByRole('button', { name: 'Applica i filtri' }).click();
    await page.getByText('Nessuna voce con questi filtri.').waitFor();
  });

  it('keeps a technician out of the back office', async () => {
    await signIn('tecnico');
    await page.getByRole('heading', { name: 'Flotta dei chioschi' }).waitFor();
    expect(await page.getByRole('link', { name: 'Pratiche' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Registro accessi' }).count()).toBe(0);
    await page.goto(`${hub.url}/console/#/inbox`);
    await page.reload();
    await page.getByRole('heading', { name: 'Accesso non consentito' }).waitFor();
    await expectNoAxeViolations(page, 'technician, back office forbidden');
    await page.goto(`${hub.url}/console/#/audit`);
    await page.reload();
    await page.getByText('Il ruolo tecnico non ha accesso al registro degli accessi.').waitFor();
  });
});
