/**
 * Ritiro documenti end to end: the built UI in Chromium, the real runtime with
 * virtual devices, and a real hub. A certificate requested for pickup at this
 * kiosk is issued at the hub for the secret in the receipt's QR; the resident
 * scans the QR, shows the same card, and the document comes out of the virtual
 * printer with its verification code. Axe on every screen.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRINGS, expectNoAxeViolations, launchBrowser, screenshot } from './harness';
import { heading, openKiosk, start, startsWith } from './journeys';
import { startServiceKiosk, until } from './services-harness';
import type { ServiceKiosk } from './services-harness';
import { documentWaiting } from './pickup-helpers';

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

describe('Ritiro documenti', () => {
  it('scan the receipt QR, show the same card: the document is printed with its verification code', async () => {
    const { qr, verificationCode } = await documentWaiting(kiosk, CF);
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
