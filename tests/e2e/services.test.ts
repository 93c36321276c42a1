/**
 * The resident services end to end: the built UI in Debian's Chromium, the
 * real runtime with virtual devices on PTYs (driven as `npm run sim` drives
 * them) and a real hub that tests stop and start. Each journey checks what the
 * resident sees, the virtual printer's decoded receipt, and the hub's stored
 * request (exactly one).
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STRINGS, expectNoAxeViolations, launchBrowser, screenshot } from './harness';
import { SAMPLE_TD1_EXPIRED } from '../fixtures/hardware/readers/samples';
import { expectStoreHoldsNone, newestReceiptCode } from '../helpers/store-bytes';
import { startServiceKiosk, until } from './services-harness';
import {
  RESIDENZA,
  certificateAfterCard,
  driveReport,
  heading,
  noCheck,
  openKiosk,
  openService,
  shownCode,
  start,
} from './journeys';
import type { Check, Driver, Locale } from './journeys';
import type { ServiceKiosk } from './services-harness';

const CF = 'RSSMRA85T10A562S';
const CF_WRONG_CHECK = 'RSSMRA85T10A562T';

let browser: Browser;
let kiosk: ServiceKiosk;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [browser, kiosk] = await Promise.all([launchBrowser(), startServiceKiosk()]);
}, 60_000);

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
  // Each test is another resident: the session ends between them, as the idle timeout ends it.
  await kiosk.runtime.dispatch(JSON.stringify({ id: 0, method: 'session.ended', input: { reason: 'idle' } }));
  // Every test starts with a working printer and a running hub.
  await kiosk.sims.commands.paper(['ok']);
  await kiosk.startHub();
});

afterAll(async () => {
  await browser?.close();
  await kiosk?.close();
});

async function hubHolds(code: string): Promise<void> {
  // The hub knows the request by id; the kiosk's lookup tells which protocol number it got.
  await until(
    async () => {
      const r = (
        await kiosk.runtime.dispatch(JSON.stringify({ id: 1, method: 'requests.lookup', input: { receiptCode: code } }))
      ).result as { ok: true; value: { delivery: string } };
      return r.value.delivery === 'delivered';
    },
    `delivery of ${code}`,
    20_000,
  );
  const lookup = (
    await kiosk.runtime.dispatch(JSON.stringify({ id: 1, method: 'requests.lookup', input: { receiptCode: code } }))
  ).result as { ok: true; value: { protocolNumber: string } };
  const stored = (await kiosk.hubRequests()).filter((r) => r.protocolNumber === lookup.value.protocolNumber);
  expect(stored, `hub requests for ${code}`).toHaveLength(1);
}

/** axe and a screenshot on every step of a journey. */
function checked(d: Driver, locale: Locale, prefix = ''): Check {
  return async (label) => {
    await expectNoAxeViolations(d.page, `${label} ${locale}`);
    await screenshot(d.page, `${prefix}${label}${locale === 'it' ? '' : `-${locale}`}`);
  };
}

function open(options: { pausedClock?: boolean } = {}): Promise<Driver> {
  return openKiosk(browser, kiosk.url, { ...options, onContext: (c) => contexts.push(c) });
}

describe('Certificati anagrafici', () => {
  it('takes a certificate for oneself from a scanned card to a printed receipt in at most 7 taps, stored once by the hub', async () => {
    const d = await open();
    await start(d);
    await openService(d, 'certificate');
    await heading(d.page, STRINGS.it.identify.waiting.title).waitFor();
    await expectNoAxeViolations(d.page, 'identify-waiting it');
    await screenshot(d.page, 'certificate-identify');
    const printedBefore = kiosk.receiptCount();
    await kiosk.sims.commands.scan([CF]);
    d.taps = 0;
    await certificateAfterCard(d, 'it', checked(d, 'it'));
    expect(d.taps).toBeLessThanOrEqual(7);
    const code = await shownCode(d.page, 'it');
    await expectNoAxeViolations(d.page, 'receipt-outcome it');
    await screenshot(d.page, 'certificate-receipt');

    const [receipt] = await until(() => {
      const r = kiosk.receiptsSince(printedBefore);
      return r.length > 0 && r;
    }, 'the receipt');
    expect(receipt!.text).toContain('Certificato di residenza');
    expect(receipt!.text).toContain(code);
    expect(receipt!.text).not.toContain(CF);
    expect(receipt!.qr[0]).toMatch(new RegExp(`^SPORTELLO:1:${code}:`));
    await hubHolds(code);

    // Stato pratica: the kiosk's own scanner reads the receipt it printed.
    await d.tap(STRINGS.it.flow.receipt.another);
    await openService(d, 'status');
    await heading(d.page, STRINGS.it.status.waiting.scanTitle).waitFor();
    await expectNoAxeViolations(d.page, 'status-waiting it');
    await screenshot(d.page, 'status-waiting');
    await kiosk.sims.commands.scan([receipt!.qr[0]!]);
    await heading(d.page, STRINGS.it.status.found.title).waitFor();
    await d.page
      .getByText(STRINGS.it.status.delivery.waiting)
      .or(d.page.getByText(/C240-\d{4}-\d{6}/))
      .first()
      .waitFor();
    expect(await d.page.locator('main').innerText()).toContain(RESIDENZA.it);
    await expectNoAxeViolations(d.page, 'status-found it');
    await screenshot(d.page, 'status-found');
  });

  it('refuses a typed codice fiscale with a wrong check character, then takes the right one (German)', async () => {
    const d = await open();
    await start(d, 'de');
    await openService(d, 'certificate', 'de');
    const s = STRINGS.de;
    await d.tap(s.identify.waiting.type);
    await heading(d.page, s.identify.typing.title).waitFor();
    await d.page.keyboard.type(CF_WRONG_CHECK);
    await d.tap(s.identify.typing.submit);
    await d.page.getByRole('alert').filter({ hasText: s.identify.problem.cfCheckChar }).waitFor();
    await expectNoAxeViolations(d.page, 'identify-typing-error de');
    await screenshot(d.page, 'identify-wrong-cf');
    await d.page.keyboard.press('Backspace');
    await d.page.keyboard.type('S');
    await d.tap(s.identify.typing.submit);
    await heading(d.page, s.identify.confirm.title).waitFor();
  });

  it('explains an unreadable card and an expired document, and lets the resident try again', async () => {
    const d = await open();
    await start(d);
    await openService(d, 'certificate');
    const s = STRINGS.it;
    await heading(d.page, s.identify.waiting.title).waitFor();
    await kiosk.sims.commands.swipe(['%E?']);
    await d.page.getByRole('alert').filter({ hasText: s.identify.problem.unreadable }).waitFor();
    await kiosk.sims.commands.mrz([...SAMPLE_TD1_EXPIRED]);
    await d.page.getByRole('alert').filter({ hasText: s.identify.problem.expired }).waitFor();
    await expectNoAxeViolations(d.page, 'identify-expired it');
    await screenshot(d.page, 'identify-expired');
    await kiosk.sims.commands.scan([CF]);
    await heading(d.page, s.identify.confirm.title).waitFor();
    await d.tap(s.identify.confirm.no);
    await heading(d.page, s.identify.waiting.title).waitFor();
    expect(await d.page.locator('body').innerText()).not.toContain(CF.slice(6, 12));
  });
});

describe('Segnalazioni', () => {
  it('reports a problem at a street of the frazione, in French, with a receipt and one request at the hub', async () => {
    const d = await open();
    await start(d, 'fr');
    await openService(d, 'report', 'fr');
    const printedBefore = kiosk.receiptCount();
    // Category, place, description, contact, summary: driven by what each step shows.
    await d.page.getByRole('radio').first().waitFor();
    await expectNoAxeViolations(d.page, 'report-category fr');
    await screenshot(d.page, 'report-category');
    d.taps = 0;
    await driveReport(d, 'fr', 'Le lampadaire est en panne', checked(d, 'fr'));
    const code = await shownCode(d.page, 'fr');
    const [receipt] = await until(() => {
      const r = kiosk.receiptsSince(printedBefore);
      return r.length > 0 && r;
    }, 'the receipt');
    expect(receipt!.text).toContain(code);
    expect(receipt!.text).toContain('Signalement');
    expect(receipt!.text).not.toContain('lampadaire');
    await hubHolds(code);
  });
});

describe('the printer and the hub failing', () => {
  it('says so on the tiles when the paper is out, still takes the request, shows the code, and reprints after a refill', async () => {
    await kiosk.sims.commands.paper(['out']);
    await until(() => kiosk.runtime.devices.status().printer.problem === 'PAPER_OUT', 'paper out');
    const d = await open();
    await start(d);
    await d.page.getByText(STRINGS.it.home.noReceipt).first().waitFor();
    await expectNoAxeViolations(d.page, 'home-no-paper it');
    await screenshot(d.page, 'home-no-paper');
    await openService(d, 'certificate');
    await d.page.getByText(STRINGS.it.certificate.noReceipt).waitFor();
    await kiosk.sims.commands.scan([CF]);
    await certificateAfterCard(d, 'it', noCheck);
    const code = await shownCode(d.page, 'it');
    await d.page.getByRole('alert').filter({ hasText: STRINGS.it.flow.receipt.notPrinted.paperOut }).waitFor();
    await expectNoAxeViolations(d.page, 'receipt-not-printed it');
    await screenshot(d.page, 'receipt-not-printed');
    const before = kiosk.receiptCount();
    await kiosk.sims.commands.paper(['ok']);
    await until(() => kiosk.runtime.devices.status().printer.problem === null, 'paper back');
    await d.tap(STRINGS.it.flow.receipt.reprint);
    const [receipt] = await until(() => {
      const r = kiosk.receiptsSince(before);
      return r.length > 0 && r;
    }, 'the reprinted receipt');
    expect(receipt!.text).toContain(code);
  });

  it('runs out of paper in the middle of a flow and still gives the resident the code', async () => {
    const d = await open();
    await start(d);
    await openService(d, 'certificate');
    await kiosk.sims.commands.scan([CF]);
    await heading(d.page, STRINGS.it.identify.confirm.title).waitFor();
    await kiosk.sims.commands.paper(['out']);
    await certificateAfterCard(d, 'it', noCheck);
    const code = await shownCode(d.page, 'it');
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await d.page.getByRole('alert').filter({ hasText: STRINGS.it.flow.receipt.notPrinted.paperOut }).waitFor();
    await hubHolds(code);
  });

  it('takes a request with the hub down (Arabic), prints the receipt, and delivers it once the hub is back', async () => {
    await kiosk.stopHub();
    const d = await open();
    await start(d, 'ar');
    await openService(d, 'certificate', 'ar');
    const before = kiosk.receiptCount();
    await kiosk.sims.commands.scan([CF]);
    await certificateAfterCard(d, 'ar', checked(d, 'ar'));
    const code = await shownCode(d.page, 'ar');
    await expectNoAxeViolations(d.page, 'receipt-outcome ar');
    const [receipt] = await until(() => {
      const r = kiosk.receiptsSince(before);
      return r.length > 0 && r;
    }, 'the receipt');
    // Arabic cannot be printed in PC858: the receipt is in English.
    expect(receipt!.text).toContain('Collect at this kiosk');
    expect(kiosk.runtime.sync!.status().queued).toBeGreaterThan(0);
    await kiosk.startHub();
    await hubHolds(code);
  });
});

describe('the end of a session', () => {
  it('wipes an identified resident on idle timeout: the next session shows nothing of them', async () => {
    const d = await open({ pausedClock: true });
    await start(d);
    await openService(d, 'certificate');
    await kiosk.sims.commands.scan([CF]);
    await heading(d.page, STRINGS.it.identify.confirm.title).waitFor();
    await d.tap(STRINGS.it.identify.confirm.yes);
    await heading(d.page, STRINGS.it.certificate.type.title).waitFor();
    // 60 s without a touch, then the 20 s countdown.
    await d.page.clock.runFor(61_000);
    await d.page.getByRole('alertdialog').waitFor();
    await d.page.clock.runFor(21_000);
    await d.page.getByRole('button', { name: STRINGS.it.attract.touchToStart }).waitFor();
    expect(await d.page.locator('body').innerText()).not.toContain(CF.slice(0, 6));
    await start(d);
    await openService(d, 'certificate');
    await heading(d.page, STRINGS.it.identify.waiting.title).waitFor();
    expect(await d.page.locator('body').innerText()).not.toMatch(/RSS|MRA|A562/);
  });

  it('keeps no codice fiscale and no description in the kiosk database files', () => {
    expectStoreHoldsNone(
      kiosk.dataDir,
      { 'codice fiscale': CF, description: 'lampadaire est en panne' },
      newestReceiptCode(kiosk.runtime.store.db),
    );
  });
});
