/**
 * Resident journeys through the kiosk UI, shared by the e2e tests and the
 * bench (which counts their taps): each step waits for the screen it expects
 * and calls `check` there (axe and a screenshot in the tests, nothing in the
 * bench). Strings come from the locale files the UI bundles.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { FIXED_TIME, PORTRAIT, STRINGS } from './harness';

export type Locale = keyof typeof STRINGS;
export type Check = (label: string) => Promise<void>;
export const noCheck: Check = () => Promise.resolve();

/** Counts the resident's taps: clicks on the page, the way the bench counts them. */
export type Driver = {
  page: Page;
  /** Taps so far; a test or the bench resets it where its count starts. */
  taps: number;
  tap(name: string | RegExp, role?: 'button' | 'radio'): Promise<void>;
  /** Types on the on-screen keyboard (through the page's key events), one tap per character. */
  type(text: string): Promise<void>;
};

/** Opens the kiosk in a fresh portrait context (closed by whoever owns `browser`'s contexts). */
export async function openKiosk(
  browser: Browser,
  url: string,
  options: { pausedClock?: boolean; onContext?: (context: BrowserContext) => void } = {},
): Promise<Driver> {
  const context = await browser.newContext({
    viewport: PORTRAIT,
    locale: 'it-IT',
    timezoneId: 'Europe/Rome',
    reducedMotion: 'reduce',
  });
  options.onContext?.(context);
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  if (options.pausedClock) {
    await page.clock.install({ time: FIXED_TIME });
    await page.clock.pauseAt(FIXED_TIME.getTime() + 1000);
  }
  await page.goto(url);
  await page.locator('main:not([aria-busy="true"])').first().waitFor();
  const driver: Driver = {
    page,
    taps: 0,
    async tap(name, role = 'button') {
      await page
        .getByRole(role, { name, exact: typeof name === 'string' })
        .first()
        .click();
      driver.taps += 1;
    },
    async type(text) {
      await page.keyboard.type(text);
      driver.taps += text.length;
    },
  };
  return driver;
}

/** Matches an accessible name that starts with `text` (an option's name also holds its description). */
export function startsWith(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
}

export function heading(page: Page, text: string, level?: number) {
  return page.getByRole('heading', { name: text, exact: true, ...(level !== undefined && { level }) });
}

/** Attract → (language) → home. */
export async function start(d: Driver, locale: Locale = 'it'): Promise<void> {
  const s = STRINGS[locale];
  if (locale === 'it') await d.page.getByRole('button', { name: STRINGS.it.attract.touchToStart }).click();
  else await d.page.getByRole('button', { name: s.language.name, exact: true }).click();
  await heading(d.page, s.home.title, 1).waitFor();
}

export async function openService(d: Driver, service: 'certificate' | 'report' | 'status', locale: Locale = 'it') {
  await d.tap(startsWith(STRINGS[locale].service[service].title));
}

/** The receipt code shown on the outcome screen, e.g. `7KQ3-9MXD`. */
export async function shownCode(page: Page, locale: Locale): Promise<string> {
  await heading(page, STRINGS[locale].flow.receipt.title).waitFor();
  const text = await page.locator('.receipt-outcome').innerText();
  const match = /\b([0-9A-Z]{4})[\s-]?([0-9A-Z]{4})\b/.exec(text.replace(/\u00a0/g, ' '));
  if (!match) throw new Error(`no receipt code on screen: ${text}`);
  return `${match[1]}-${match[2]}`;
}

/** The demo hub's names for the certificate of residence (server/db/seed.ts). */
export const RESIDENZA: Record<Locale, string> = {
  it: 'Certificato di residenza',
  en: 'Certificate of residence',
  de: 'Wohnsitzbescheinigung',
  fr: 'Certificat de résidence',
  ar: 'شهادة الإقامة',
};

/** ... and for the birth certificate, which owes no stamp duty. */
export const NASCITA: Record<Locale, string> = {
  it: 'Certificato di nascita',
  en: 'Birth certificate',
  de: 'Geburtsurkunde',
  fr: 'Acte de naissance',
  ar: 'شهادة الميلاد',
};

/**
 * A certificate for oneself collected at this kiosk, from the identification
 * step on: the residence certificate on carta libera for a pension, or the
 * birth certificate (no stamp duty, so no bollo steps).
 */
export async function certificateAfterCard(
  d: Driver,
  locale: Locale,
  check: Check,
  certificate: 'residenza' | 'nascita' = 'residenza',
  hooks: { beforeConfirm?: () => Promise<void> } = {},
) {
  const s = STRINGS[locale];
  await heading(d.page, s.identify.confirm.title).waitFor();
  await check('identify-confirm');
  await d.tap(s.identify.confirm.yes);
  await heading(d.page, s.certificate.type.title).waitFor();
  await check('certificate-type');
  await d.tap(startsWith((certificate === 'residenza' ? RESIDENZA : NASCITA)[locale]), 'radio');
  await heading(d.page, s.certificate.subject.title).waitFor();
  await check('certificate-subject');
  await d.tap(startsWith(s.certificate.subject.self), 'radio');
  if (certificate === 'residenza') {
    await heading(d.page, s.certificate.stampDuty.title).waitFor();
    await check('certificate-stamp-duty');
    await d.tap(startsWith(s.certificate.stampDuty.exempt), 'radio');
    await heading(d.page, s.certificate.exemption.title).waitFor();
    await check('certificate-exemption');
    await d.tap(startsWith(s.certificate.exemption.pension.title), 'radio');
  }
  await heading(d.page, s.certificate.delivery.title).waitFor();
  await check('certificate-delivery');
  await d.tap(startsWith(s.certificate.delivery.kiosk), 'radio');
  await heading(d.page, s.certificate.summary.title).waitFor();
  await check('certificate-summary');
  await hooks.beforeConfirm?.();
  await d.tap(s.certificate.summary.confirm);
}

/** Report: lighting, the first street matching "aurel", a short description, no contact. */
export async function driveReport(d: Driver, locale: Locale, description: string, check: Check): Promise<void> {
  const r = STRINGS[locale].report;
  const next = STRINGS[locale].flow.continue;
  await d.tap(startsWith(r.category.lighting.title), 'radio');
  await d.tap(next);
  await heading(d.page, r.place.title).waitFor();
  await check('report-place');
  await d.tap(startsWith(r.place.street));
  await heading(d.page, r.street.title).waitFor();
  await d.type('aurel');
  await d.page
    .getByRole('button', { name: /Via Aurelia/ })
    .first()
    .waitFor();
  await check('report-street');
  await d.tap(/Via Aurelia/);
  await heading(d.page, r.description.title).waitFor();
  await d.type(description);
  await check('report-description');
  await d.tap(next);
  await heading(d.page, r.contact.title).waitFor();
  await d.tap(startsWith(r.contact.none));
  await heading(d.page, r.summary.title).waitFor();
  expect(await d.page.locator('main').innerText()).toContain(description);
  await check('report-summary');
  await d.tap(r.summary.confirm);
}
