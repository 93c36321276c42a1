/**
 * The fleet dashboard in the system Chromium, served by a real hub whose
 * clock the test moves; signed test kiosks send the heartbeats. axe (WCAG 2.1
 * AA) runs on every view.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HeartbeatRequest } from '../../sync/protocol';
import type { RunningHub } from '../../server/hub';
import { TestKiosk, sampleHeartbeat } from '../../server/testing/kiosk';
import { ISTAT, PASSWORD, startConsoleHub } from '../helpers/console-hub';
import type { ConsoleHub } from '../helpers/console-hub';
import { expectNoAxeViolations, launchBrowser, screenshot } from './harness';

const MINUTE = 60_000;

function healthy(overrides: Partial<HeartbeatRequest> = {}): HeartbeatRequest {
  return sampleHeartbeat({
    devices: [
      { device: 'printer', state: 'ok', code: null },
      { device: 'barcode', state: 'ok', code: null },
      { device: 'mrz', state: 'not-configured', code: null },
    ],
    queueDepth: 0,
    oldestQueuedAgeMs: null,
    paper: { nearEnd: false, remainingReceipts: 420 },
    ...overrides,
  });
}

describe('fleet dashboard', () => {
  let consoleHub: ConsoleHub;
  let hub: RunningHub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let skewMs = 0;
  const now = () => Date.now() + skewMs;

  beforeAll(async () => {
    consoleHub = await startConsoleHub('sqlite', 'sportello-e2e-fleet-', { now });
    hub = consoleHub.hub;
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

  async function enrolled(frazione: string): Promise<{ kiosk: TestKiosk; label: string }> {
    const kiosk = new TestKiosk(hub.url, { now });
    const enrollment = await kiosk.enroll(await hub.admin.createEnrollmentCode({ istat: ISTAT, frazione }));
    const name = enrollment.frazione.name;
    return { kiosk, label: `${name} · ${enrollment.kioskId.slice(-6)}` };
  }

  async function signIn(login: string): Promise<void> {
    await page.goto(`${hub.url}/console/`);
    await page.getByRole('heading', { name: 'Accesso alla console' }).waitFor();
    await expectNoAxeViolations(page, 'console login');
    await page.getByLabel('Nome utente').fill(login);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Accedi' }).click();
  }

  async function refresh(): Promise<void> {
    const answered = page.waitForResponse((r) => r.url().endsWith('/console/api/fleet') && r.status() === 200);
    await page.getByRole('button', { name: 'Aggiorna' }).click();
    await answered;
  }

  const kioskRow = (label: string) =>
    page.getByRole('region', { name: 'Chioschi' }).getByRole('row').filter({ hasText: label });
  const alertRows = (region: string, label: string, alert: string) =>
    page.getByRole('region', { name: region }).getByRole('row').filter({ hasText: label }).filter({ hasText: alert });

  it('shows a kiosk going offline, raising the offline alert, and coming back', async () => {
    const { kiosk, label } = await enrolled('canale');
    await kiosk.heartbeat(healthy());
    await signIn('tecnico');
    await page.getByRole('heading', { name: 'Flotta dei chioschi' }).waitFor();
    await expect.poll(() => kioskRow(label).textContent()).toContain('In linea');
    await expect.poll(() => kioskRow(label).textContent()).toContain('Carta presente');
    await expectNoAxeViolations(page, 'fleet, all online');

    skewMs += 16 * MINUTE;
    await refresh();
    await expect.poll(() => kioskRow(label).textContent()).toContain('Non in linea');
    const offline = 'Chiosco non in linea da oltre 15 minuti';
    await expect.poll(() => alertRows('Avvisi aperti', label, offline).count()).toBe(1);
    await expectNoAxeViolations(page, 'fleet, one kiosk offline');

    await kiosk.heartbeat(healthy());
    await refresh();
    await expect.poll(() => kioskRow(label).textContent()).toContain('In linea');
    await expect.poll(() => alertRows('Avvisi aperti', label, offline).count()).toBe(0);
    await expect.poll(() => alertRows('Avvisi risolti nelle ultime 24 ore', label, offline).count()).toBe(1);
  });

  it('raises a paper-low alert once, lets the technician acknowledge it, and clears it when paper is back', async () => {
    const { kiosk, label } = await enrolled('marciano');
    const low = healthy({
      devices: [{ device: 'printer', state: 'warning', code: 'PAPER_LOW' }],
      paper: { nearEnd: true, remainingReceipts: 18 },
    });
    await kiosk.heartbeat(low);
    await signIn('tecnico');
    await page.getByRole('heading', { name: 'Flotta dei chioschi' }).waitFor();
    skewMs += MINUTE;
    await kiosk.heartbeat(low);
    await refresh();
    const paper = 'Carta in esaurimento';
    await expect.poll(() => alertRows('Avvisi aperti', label, paper).count()).toBe(1);
    await expect.poll(() => kioskRow(label).textContent()).toContain('circa 18 scontrini');

    await page.getByRole('button', { name: `Prendi in carico l’avviso «${paper}» del chiosco ${label}` }).click();
    await expect
      .poll(() => alertRows('Avvisi aperti', label, paper).textContent())
      .toContain('Presa in carico da tecnico');
    await expectNoAxeViolations(page, 'fleet, paper alert acknowledged');
    await screenshot(page, 'console-fleet');

    // Still low on the next heartbeat: still the one alert.
    skewMs += MINUTE;
    await kiosk.heartbeat(low);
    await refresh();
    await expect.poll(() => alertRows('Avvisi aperti', label, paper).count()).toBe(1);

    skewMs += MINUTE;
    await kiosk.heartbeat(healthy());
    await refresh();
    await expect.poll(() => alertRows('Avvisi aperti', label, paper).count()).toBe(0);
    await expect.poll(() => alertRows('Avvisi risolti nelle ultime 24 ore', label, paper).count()).toBe(1);

    // The kiosk's own page, with its charts.
    await kioskRow(label).getByRole('link').click();
    await page.getByRole('heading', { name: 'Chiosco di Marciano' }).waitFor();
    await page.getByRole('img', { name: /Scontrini rimanenti \(stima\): 4 campioni/ }).waitFor();
    await expectNoAxeViolations(page, 'kiosk page');
    await screenshot(page, 'console-kiosk');
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await page.getByRole('heading', { name: 'Kiosk of Marciano' }).waitFor();
    await expectNoAxeViolations(page, 'kiosk page, English');
  });

  it('shows an out-of-service kiosk and its cause, and issues a technician card as a printable QR', async () => {
    const { kiosk, label } = await enrolled('molino-del-piano');
    await kiosk.heartbeat(healthy({ outOfService: { reason: 'TECHNICIAN', message: 'Cambio carta' } }));
    const at = new Date(now()).toISOString();
    const audit = await kiosk.call('POST', '/v1/audit', {
      items: [
        { id: 1, at, actor: 'card:019ac6f0-0000-7000-8000-0000000000c1', action: 'login', detail: null },
        {
          id: 2,
          at,
          actor: 'card:019ac6f0-0000-7000-8000-0000000000c1',
          action: 'service.out',
          detail: { withMessage: true },
        },
      ],
    });
    expect(audit).toMatchObject({ status: 200, json: { stored: [1, 2] }, signedByHub: true });
    await signIn('ada');
    await page.getByRole('heading', { name: 'Flotta dei chioschi' }).waitFor();
    await expect
      .poll(() => kioskRow(label).textContent())
      .toContain('Fuori servizio: messo fuori servizio da un tecnico');
    await expect.poll(() => kioskRow(label).textContent()).toContain('Nota del tecnico: Cambio carta');
    await expectNoAxeViolations(page, 'fleet, a kiosk out of service');
    // Its own page lists what the technicians did there, as the kiosk's audit log reported it.
    await kioskRow(label).getByRole('link').click();
    const actions = page.getByRole('region', { name: 'Azioni recenti dei tecnici' });
    await actions
      .getByRole('row')
      .filter({ hasText: 'tessera 0000000000c1' })
      .filter({ hasText: 'service.out' })
      .waitFor();
    await expectNoAxeViolations(page, 'kiosk page, technician actions');

    await page.getByRole('link', { name: 'Tessere tecnici' }).click();
    await page.getByRole('heading', { name: 'Tessere dei tecnici', level: 1 }).waitFor();
    await page.getByText('Nessuna tessera rilasciata.').waitFor();
    await page.getByLabel('Nome utente del tecnico').fill('tecnico');
    await page.getByRole('button', { name: 'Rilascia la tessera' }).click();
    await page.getByRole('heading', { name: 'Tessera rilasciata' }).waitFor();
    const qr = page.getByRole('img', { name: /^Codice QR della tessera di tecnico, valida fino al / });
    await qr.waitFor();
    expect(await qr.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await page.getByRole('row').filter({ hasText: 'tecnico' }).filter({ hasText: 'Valida' }).waitFor();
    await expectNoAxeViolations(page, 'technician cards, one issued');
    await screenshot(page, 'console-cards');

    await page.getByRole('button', { name: 'Revoca la tessera di tecnico' }).click();
    await page.getByRole('row').filter({ hasText: 'tecnico' }).filter({ hasText: 'Revocata il' }).waitFor();
    // Back on the kiosk's own page, in service again: the cause is gone.
    await kiosk.heartbeat(healthy({ outOfService: null }));
    await page.getByRole('link', { name: 'Flotta' }).click();
    await expect.poll(() => kioskRow(label).textContent()).toContain('In servizio');
  });

  it('keeps a clerk out of the fleet dashboard', async () => {
    await signIn('sportellista');
    // A clerk lands on the back-office inbox; the fleet is refused even by its address.
    await page.getByRole('heading', { name: 'Pratiche dai chioschi' }).waitFor();
    await page.goto(`${hub.url}/console/#/fleet`);
    await page.reload();
    await page.getByRole('heading', { name: 'Accesso non consentito' }).waitFor();
    expect(await page.getByRole('table').count()).toBe(0);
    await expectNoAxeViolations(page, 'clerk, forbidden');
    await page.getByRole('button', { name: 'Esci' }).click();
    await page.getByRole('heading', { name: 'Accesso alla console' }).waitFor();
  });
});
