/**
 * Accessibility end to end (issue 6, EN 301 549): the built UI with the real
 * runtime, virtual devices and a hub. Every journey here uses keys only (the
 * tactile keypad arrives as key events); cards and receipts are still read by
 * the virtual readers, as a blind resident would hold them to the reader.
 *
 * Speech is observed where it leaves the UI: the `speech.say` calls the page
 * sends over the kiosk API (the runtime speaks exactly those, with espeak-ng
 * writing to a discarded WAV: SPORTELLO_SPEECH=silent).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiptText } from '../../kiosk-shell/api/contract';
import { UNUSED_MODES_RESET_MS } from '../../src/access/AccessProvider';
import { spokenReceiptLines } from '../../src/access/receipt-speech';
import { LOCALES, PORTRAIT, STRINGS, assertNoViolations, axeViolations, screenshot } from './harness';
import { RESIDENZA, heading, openKiosk } from './journeys';
import type { Driver, Locale } from './journeys';
import { startServiceKiosk, until } from './services-harness';
import type { ServiceKiosk } from './services-harness';
import { documentWaiting } from './pickup-helpers';

const CF = 'RSSMRA85T10A562S';
/** Every control sits below this fraction of a portrait screen in the reach layout (docs/ACCESSIBILITY.md). */
const REACH_TOP = 0.45;
type Mode = 'largeText' | 'highContrast' | 'reach';
const MODE_KEY: Record<Mode, 'largeText' | 'highContrast' | 'reach'> = {
  largeText: 'largeText',
  highContrast: 'highContrast',
  reach: 'reach',
};
const POLL = { timeout: 5_000 } as const;

let browser: Browser;
let kiosk: ServiceKiosk;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  process.env.SPORTELLO_SPEECH = 'silent';
  [browser, kiosk] = await Promise.all([launchBrowserLazy(), startServiceKiosk()]);
}, 60_000);

async function launchBrowserLazy(): Promise<Browser> {
  const { launchBrowser } = await import('./harness');
  return launchBrowser();
}

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
  await kiosk.sims.commands.headphones(['out']);
});

afterAll(async () => {
  await browser?.close();
  await kiosk?.close();
});

type Said = { text: string; locale: string };

/**
 * Opens the kiosk and records every `speech.say` (and other speech call) the
 * page makes, and the receipt text of every print result the runtime answers.
 */
async function open(
  options: { pausedClock?: boolean } = {},
): Promise<{ d: Driver; said: Said[]; calls: string[]; receipts: ReceiptText[] }> {
  const said: Said[] = [];
  const calls: string[] = [];
  const receipts: ReceiptText[] = [];
  const d = await openKiosk(browser, kiosk.url, {
    ...options,
    onContext: (c) => {
      contexts.push(c);
      c.on('page', (p) =>
        p.on('websocket', (ws) =>
          ws.on('framesent', (f) => {
            try {
              const frame = JSON.parse(String(f.payload)) as { method?: string; input?: Said };
              if (frame.method?.startsWith('speech.')) calls.push(frame.method);
              if (frame.method === 'speech.say' && frame.input) said.push(frame.input);
            } catch {
              // not a call
            }
          }),
        ),
      );
      c.on('page', (p) =>
        p.on('websocket', (ws) =>
          ws.on('framereceived', (f) => {
            try {
              const frame = JSON.parse(String(f.payload)) as {
                result?: { ok: boolean; value?: { print?: { receipt?: ReceiptText } } };
              };
              const receipt = frame.result?.value?.print?.receipt;
              if (receipt) receipts.push(receipt);
            } catch {
              // not an answer
            }
          }),
        ),
      );
    },
  });
  return { d, said, calls, receipts };
}

// ── keys only ────────────────────────────────────────────────────────────────

/** The focused element's accessible name (label, labelledby, or text). */
function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return '';
    const ids = el.getAttribute('aria-labelledby');
    if (ids)
      return ids
        .split(/\s+/)
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' ')
        .trim();
    const label = el.getAttribute('aria-label');
    if (label) return label.trim();
    const copy = el.cloneNode(true) as HTMLElement;
    copy.querySelectorAll('[aria-hidden="true"]').forEach((n) => n.remove());
    return (copy.textContent ?? '').replace(/\s+/g, ' ').trim();
  });
}

/** Moves focus with ArrowDown until the focused control's name starts with `name`. */
async function focusOn(page: Page, name: string | RegExp, max = 80): Promise<void> {
  const matches = (n: string) => (typeof name === 'string' ? n.startsWith(name) : name.test(n));
  for (let i = 0; i < max; i++) {
    if (matches(await focusedName(page))) return;
    await page.keyboard.press('ArrowDown');
  }
  throw new Error(`no control named ${String(name)} reachable with the arrows (last: ${await focusedName(page)})`);
}

async function press(page: Page, name: string | RegExp): Promise<void> {
  await focusOn(page, name);
  await page.keyboard.press('Enter');
}

async function startByKeys(page: Page, locale: Locale = 'it'): Promise<void> {
  await page.getByRole('button', { name: STRINGS.it.attract.touchToStart }).waitFor();
  if (locale === 'it') await press(page, STRINGS.it.attract.touchToStart);
  else await press(page, STRINGS[locale].language.name);
  await heading(page, STRINGS[locale].home.title, 1).waitFor();
}

async function chooseLanguageByKeys(page: Page, locale: Locale): Promise<void> {
  await press(page, STRINGS[locale].language.name);
  await expect.poll(() => page.evaluate(() => document.documentElement.lang), POLL).toBe(locale);
}

async function toggleModeByKeys(page: Page, locale: Locale, mode: Mode, on = true): Promise<void> {
  await press(page, STRINGS[locale].access[MODE_KEY[mode]]);
  const attr = { largeText: 'data-text', highContrast: 'data-contrast', reach: 'data-layout' }[mode];
  await expect.poll(() => page.evaluate((a) => document.documentElement.hasAttribute(a), attr), POLL).toBe(on);
}

/** The display attributes on <html> now. */
function modeAttributes(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    ['data-text', 'data-contrast', 'data-layout'].filter((a) => document.documentElement.hasAttribute(a)),
  );
}

/** Runs a technician call through the kiosk API, as the technician screen does. */
async function technician(method: string, input: Record<string, unknown> = {}): Promise<unknown> {
  const call = async (m: string, i: unknown) =>
    (await kiosk.runtime.dispatch(JSON.stringify({ id: 1, method: m, input: i }))).result as {
      ok: boolean;
      value: unknown;
    };
  const login = await call('technician.login', { pin: '1357' });
  const token = (login.value as { token: string }).token;
  const result = await call(method, { token, ...input });
  await call('technician.logout', { token });
  if (!result.ok) throw new Error(`${method} failed: ${JSON.stringify(result)}`);
  return result.value;
}

// ── what the page shows ──────────────────────────────────────────────────────

/** Interactive elements with no accessible name (should be none), and how many there are. */
function unnamedControls(page: Page): Promise<{ count: number; unnamed: string[] }> {
  return page.evaluate(() => {
    const controls = Array.from(
      document.querySelectorAll<HTMLElement>(
        'button, a[href], input, [role="button"], [role="radio"], [role="textbox"], [tabindex]:not([tabindex="-1"])',
      ),
    ).filter((el) => el.getClientRects().length > 0);
    const unnamed = controls
      .filter((el) => {
        const ids = el.getAttribute('aria-labelledby');
        const byIds = ids
          ? ids
              .split(/\s+/)
              .map((id) => document.getElementById(id)?.textContent ?? '')
              .join('')
          : '';
        const byLabel = Array.from((el as HTMLInputElement).labels ?? [], (l) => l.textContent ?? '').join('');
        return (byIds || el.getAttribute('aria-label') || byLabel || el.textContent || '').trim() === '';
      })
      .map((el) => el.outerHTML.slice(0, 120));
    return { count: controls.length, unnamed };
  });
}

/** Every visible control's box (clipped by its scrolling ancestors) that starts above `top` px. */
function controlsAbove(page: Page, top: number): Promise<string[]> {
  return page.evaluate((limit) => {
    const out: string[] = [];
    for (const el of Array.from(
      document.querySelectorAll<HTMLElement>(
        'button, a[href], input, [role="button"], [role="radio"], [tabindex]:not([tabindex="-1"])',
      ),
    )) {
      if (el.closest('[aria-hidden="true"]')) continue;
      let r = el.getBoundingClientRect();
      let box = { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
      for (let p = el.parentElement; p; p = p.parentElement) {
        const style = getComputedStyle(p);
        if (style.overflowY === 'visible' && style.overflowX === 'visible') continue;
        r = p.getBoundingClientRect();
        box = {
          top: Math.max(box.top, r.top),
          bottom: Math.min(box.bottom, r.bottom),
          left: Math.max(box.left, r.left),
          right: Math.min(box.right, r.right),
        };
      }
      box.top = Math.max(box.top, 0);
      box.bottom = Math.min(box.bottom, window.innerHeight);
      if (box.bottom - box.top < 1 || box.right - box.left < 1) continue; // not visible now
      if (box.top < limit - 0.5)
        out.push(`${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)} at y=${box.top}`);
    }
    return out;
  }, top);
}

/** Visible controls whose label does not fit inside them (clipped or spilling over a neighbour: WCAG 1.4.4). */
function clippedControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('button, [role="button"]'))
      .filter((el) => el.getClientRects().length > 0 && !el.closest('[aria-hidden="true"]'))
      .filter((el) => el.scrollWidth > el.clientWidth + 1)
      .map((el) => `${(el.textContent ?? '').trim().slice(0, 40)}: ${el.scrollWidth} > ${el.clientWidth} px`),
  );
}

/** WCAG 1.4.6 (AAA) contrast, for the high-contrast mode. */
async function enhancedContrastViolations(page: Page, label: string): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withRules(['color-contrast-enhanced']).analyze();
  return r.violations.flatMap((v) =>
    v.nodes.map((n) => `[${label}] ${v.id} at ${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
  );
}

/**
 * From the home screen to the receipt, by keys, with the card held to the
 * scanner: a certificato di residenza for oneself, exempt from bollo
 * (pension), to collect here. The printer's receipt count before it.
 */
async function certificateByKeys(page: Page, locale: Locale): Promise<number> {
  const s = STRINGS[locale];
  await press(page, s.service.certificate.title);
  await heading(page, s.identify.waiting.title).waitFor();
  const printed = kiosk.receiptCount();
  await kiosk.sims.commands.scan([CF]);
  await heading(page, s.identify.confirm.title).waitFor();
  await press(page, s.identify.confirm.yes);
  await heading(page, s.certificate.type.title).waitFor();
  await press(page, RESIDENZA[locale]);
  await heading(page, s.certificate.subject.title).waitFor();
  await press(page, s.certificate.subject.self);
  await heading(page, s.certificate.stampDuty.title).waitFor();
  await press(page, s.certificate.stampDuty.exempt);
  await heading(page, s.certificate.exemption.title).waitFor();
  await press(page, s.certificate.exemption.pension.title);
  await heading(page, s.certificate.delivery.title).waitFor();
  await press(page, s.certificate.delivery.kiosk);
  await heading(page, s.certificate.summary.title).waitFor();
  await press(page, s.certificate.summary.confirm);
  await heading(page, s.flow.receipt.title).waitFor();
  return printed;
}

// ── the screens each service opens on, by keys ───────────────────────────────

type ServiceScreen = {
  service: 'info' | 'certificate' | 'report' | 'status' | 'pickup';
  heading: (l: Locale) => string;
};
const FIRST_SCREENS: ServiceScreen[] = [
  { service: 'info', heading: (l) => STRINGS[l].service.info.title },
  { service: 'certificate', heading: (l) => STRINGS[l].identify.waiting.title },
  { service: 'report', heading: (l) => STRINGS[l].service.report.title },
  { service: 'status', heading: (l) => STRINGS[l].status.waiting.scanTitle },
  { service: 'pickup', heading: (l) => STRINGS[l].pickup.waiting.scanTitle },
];

async function openServiceByKeys(page: Page, locale: Locale, s: ServiceScreen): Promise<void> {
  await press(page, STRINGS[locale].service[s.service].title);
  await heading(page, s.heading(locale)).first().waitFor();
}

async function backHomeByKeys(page: Page, locale: Locale): Promise<void> {
  await press(page, STRINGS[locale].nav.home);
  await heading(page, STRINGS[locale].home.title, 1).waitFor();
}

// ── tests ────────────────────────────────────────────────────────────────────

describe('keyboard-only journeys', () => {
  it('asks for a certificate, from the card to the receipt, then follows it in Stato pratica', async () => {
    const { d } = await open();
    const page = d.page;
    const s = STRINGS.it;
    await startByKeys(page);
    const printed = await certificateByKeys(page, 'it');
    const [receipt] = await until(() => {
      const r = kiosk.receiptsSince(printed);
      return r.length > 0 && r;
    }, 'the receipt');

    await press(page, s.flow.receipt.another);
    await heading(page, s.home.title, 1).waitFor();
    await press(page, s.service.status.title);
    await heading(page, s.status.waiting.scanTitle).waitFor();
    await kiosk.sims.commands.scan([receipt!.qr[0]!]);
    await heading(page, s.status.found.title).waitFor();
    expect(await page.locator('main').innerText()).toContain(RESIDENZA.it);
  });

  it('reports a problem, typing the street and the description on the physical keys', async () => {
    const { d } = await open();
    const page = d.page;
    const r = STRINGS.it.report;
    await startByKeys(page);
    await press(page, STRINGS.it.service.report.title);
    await press(page, r.category.lighting.title);
    await press(page, STRINGS.it.flow.continue);
    await heading(page, r.place.title).waitFor();
    await press(page, r.place.street);
    await heading(page, r.street.title).waitFor();
    await page.keyboard.type('aurel');
    await page
      .getByRole('button', { name: /Via Aurelia/ })
      .first()
      .waitFor();
    await press(page, /Via Aurelia/);
    await heading(page, r.description.title).waitFor();
    await page.keyboard.type('lampione spento');
    await press(page, STRINGS.it.flow.continue);
    await heading(page, r.contact.title).waitFor();
    await press(page, r.contact.none);
    await heading(page, r.summary.title).waitFor();
    await press(page, r.summary.confirm);
    await heading(page, STRINGS.it.flow.receipt.title).waitFor();
  });

  it('opens Informazioni and Ritiro documenti, types a code, and goes back with Escape', async () => {
    const { d } = await open();
    const page = d.page;
    const s = STRINGS.it;
    await startByKeys(page);
    await press(page, s.service.info.title);
    await heading(page, s.service.info.title, 1).waitFor();
    await page.keyboard.press('Escape');
    await heading(page, s.home.title, 1).waitFor();
    await press(page, s.service.pickup.title);
    await heading(page, s.pickup.waiting.scanTitle).waitFor();
    await page.keyboard.type('ZZZZ9999');
    await press(page, s.pickup.waiting.next);
    // An unknown code is explained, never a dead end: Escape leads back to the tiles.
    await page.getByRole('heading', { level: 2 }).first().waitFor();
    for (let i = 0; i < 3 && !(await heading(page, s.home.title, 1).count()); i++) await page.keyboard.press('Escape');
    await heading(page, s.home.title, 1).waitFor();
  });

  it('lets a resident ask for more time at least ten times with the back key', async () => {
    const { d } = await open({ pausedClock: true });
    const page = d.page;
    await startByKeys(page);
    for (let i = 0; i < 12; i++) {
      await page.clock.runFor(60_000);
      await page.getByRole('alertdialog').waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    }
    await heading(page, STRINGS.it.home.title, 1).waitFor();
  });
});

describe('display modes', () => {
  for (const mode of [null, 'largeText', 'highContrast', 'reach'] as const) {
    it(`has no WCAG 2.1 AA violations and names every control, in every language, ${mode ?? 'default display'}`, async () => {
      const { d } = await open();
      const page = d.page;
      await startByKeys(page);
      if (mode) await toggleModeByKeys(page, 'it', mode);
      const violations: string[] = [];
      const unnamed: string[] = [];
      for (const locale of LOCALES) {
        await chooseLanguageByKeys(page, locale);
        const label = (screen: string) => `${screen} ${locale} ${mode ?? 'default'}`;
        const checkHere = async (screen: string) => {
          violations.push(...(await axeViolations(page, label(screen))));
          if (mode === 'highContrast') violations.push(...(await enhancedContrastViolations(page, label(screen))));
          const names = await unnamedControls(page);
          expect(names.count, label(screen)).toBeGreaterThan(0);
          unnamed.push(...names.unnamed.map((u) => `[${label(screen)}] ${u}`));
          if (mode === 'reach') {
            const above = await controlsAbove(page, PORTRAIT.height * REACH_TOP);
            violations.push(...above.map((a) => `[${label(screen)}] control above the reach line: ${a}`));
          }
        };
        await checkHere('home');
        // The access toggles are named in this language, and the one turned on says so.
        for (const key of ['speech', 'largeText', 'highContrast', 'reach'] as const) {
          const toggle = page.getByRole('button', { name: STRINGS[locale].access[key], exact: true });
          expect(await toggle.getAttribute('aria-pressed')).toBe(String(key === mode));
        }
        for (const s of FIRST_SCREENS) {
          await openServiceByKeys(page, locale, s);
          await checkHere(s.service);
          await backHomeByKeys(page, locale);
        }
      }
      expect(unnamed).toEqual([]);
      assertNoViolations(violations);
    }, 600_000);
  }

  it('reach layout: the idle dialog and the attract screen keep their controls low too', async () => {
    const { d } = await open({ pausedClock: true });
    const page = d.page;
    await startByKeys(page);
    await toggleModeByKeys(page, 'it', 'reach');
    await page.clock.runFor(60_000);
    await page.getByRole('alertdialog').waitFor();
    expect(await controlsAbove(page, PORTRAIT.height * REACH_TOP)).toEqual([]);
  });

  it('resets every mode when the session ends', async () => {
    const { d } = await open();
    const page = d.page;
    await startByKeys(page);
    await toggleModeByKeys(page, 'it', 'largeText');
    await toggleModeByKeys(page, 'it', 'highContrast');
    await toggleModeByKeys(page, 'it', 'reach');
    await press(page, STRINGS.it.nav.back); // back on home ends the session
    await page.getByRole('button', { name: STRINGS.it.attract.touchToStart }).waitFor();
    await expect
      .poll(
        () =>
          page.evaluate(() =>
            ['data-text', 'data-contrast', 'data-layout'].filter((a) => document.documentElement.hasAttribute(a)),
          ),
        POLL,
      )
      .toEqual([]);
  });
});

describe('the access bar outside the resident screens', () => {
  /** axe, names, AAA contrast in high contrast, the reach line: what `display modes` checks on resident screens. */
  async function checkHere(page: Page, screen: string, mode: Mode | null, violations: string[]): Promise<void> {
    const label = `${screen} ${mode ?? 'default'}`;
    await screenshot(page, `access-${screen.replace(/ /g, '-')}-${mode ?? 'default'}`);
    violations.push(...(await axeViolations(page, label)));
    if (mode === 'highContrast') violations.push(...(await enhancedContrastViolations(page, label)));
    const names = await unnamedControls(page);
    expect(names.count, label).toBeGreaterThan(0);
    violations.push(...names.unnamed.map((u) => `[${label}] unnamed ${u}`));
    violations.push(...(await clippedControls(page)).map((c) => `[${label}] label does not fit: ${c}`));
    if (mode === 'reach') {
      const above = await controlsAbove(page, PORTRAIT.height * REACH_TOP);
      violations.push(...above.map((a) => `[${label}] control above the reach line: ${a}`));
    }
    // Every toggle is there, by keys, and says whether it is on.
    for (const key of ['largeText', 'highContrast', 'reach'] as const) {
      const toggle = page.getByRole('button', { name: STRINGS.it.access[key], exact: true });
      expect(await toggle.getAttribute('aria-pressed'), label).toBe(String(key === mode));
    }
  }

  it('is on the attract screen and under the out-of-service notice in every mode, chosen by keys without starting a session', async () => {
    const { d } = await open();
    const page = d.page;
    const start = page.getByRole('button', { name: STRINGS.it.attract.touchToStart });
    await start.waitFor();
    const violations: string[] = [];
    for (const mode of [null, 'largeText', 'highContrast', 'reach'] as const) {
      if (mode) await toggleModeByKeys(page, 'it', mode);
      // Still the attract screen: a mode is not a session.
      expect(await start.count()).toBe(1);
      expect(await page.getByRole('button', { name: STRINGS.it.access.speech, exact: true }).count()).toBe(1);
      await checkHere(page, 'attract', mode, violations);

      await technician('technician.setService', { inService: false, message: 'Torno alle 14' });
      await heading(page, STRINGS.it.outOfService.title, 1).waitFor();
      // The notice is in every language; the bar under it stays in reach however long the notice is.
      for (const locale of LOCALES) await page.locator(`section[lang="${locale}"]`).waitFor();
      await checkHere(page, 'out of service', mode, violations);
      await technician('technician.setService', { inService: true });
      await start.waitFor();
      if (mode) await toggleModeByKeys(page, 'it', mode, false);
    }
    assertNoViolations(violations);
  }, 300_000);

  it('keeps a mode chosen on the attract screen into the session, and drops modes left unused', async () => {
    const { d } = await open({ pausedClock: true });
    const page = d.page;
    await page.getByRole('button', { name: STRINGS.it.attract.touchToStart }).waitFor();
    await toggleModeByKeys(page, 'it', 'largeText');
    await press(page, STRINGS.it.attract.touchToStart);
    await heading(page, STRINGS.it.home.title, 1).waitFor();
    expect(await modeAttributes(page)).toEqual(['data-text']);
    await press(page, STRINGS.it.nav.back); // back on home ends the session, and its modes
    await page.getByRole('button', { name: STRINGS.it.attract.touchToStart }).waitFor();
    await expect.poll(() => modeAttributes(page), POLL).toEqual([]);

    // Chosen on the attract screen and left there: the next resident does not find them.
    await toggleModeByKeys(page, 'it', 'highContrast');
    await toggleModeByKeys(page, 'it', 'reach');
    await page.clock.runFor(UNUSED_MODES_RESET_MS - 5_000);
    expect(await modeAttributes(page)).toEqual(['data-contrast', 'data-layout']);
    await page.clock.runFor(10_000);
    await expect.poll(() => modeAttributes(page), POLL).toEqual([]);
  });
});

describe('speech', () => {
  /** The text blocks a sighted resident reads in <main> (not the controls). */
  function shownText(page: Page): Promise<string[]> {
    return page.evaluate(() =>
      Array.from(document.querySelectorAll('main h1, main h2, main p'))
        .filter((el) => !el.closest('button, [role="radiogroup"], [aria-hidden="true"], [data-speech="secret"]'))
        .filter((el) => el.getClientRects().length > 0)
        .map((el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim())
        .filter((t) => t !== ''),
    );
  }

  async function lastSaid(said: Said[], includes: string): Promise<Said> {
    return until(() => [...said].reverse().find((s) => s.text.includes(includes)), `speech saying "${includes}"`);
  }

  it('starts when headphones go in and speaks each screen as shown, the focused control, in the current language', async () => {
    const { d, said, calls } = await open();
    const page = d.page;
    await startByKeys(page);
    expect(said).toEqual([]);
    await kiosk.sims.commands.headphones(['in']);
    const home = await lastSaid(said, STRINGS.it.home.title);
    expect(home.locale).toBe('it');
    expect(home.text).toContain(STRINGS.it.access.speechOn);

    await page.keyboard.press('ArrowDown');
    const control = await lastSaid(said, STRINGS.it.service.certificate.title);
    expect(control.text).toContain(STRINGS.it.access.role.button);

    for (const locale of ['de', 'ar'] as const) {
      await chooseLanguageByKeys(page, locale);
      const s = STRINGS[locale];
      const spoken = await lastSaid(said, s.home.title);
      expect(spoken.locale).toBe(locale);
      for (const screen of [FIRST_SCREENS[0]!, FIRST_SCREENS[2]!]) {
        await openServiceByKeys(page, locale, screen);
        await heading(page, screen.heading(locale)).first().waitFor();
        const text = (await lastSaid(said, screen.heading(locale))).text;
        for (const block of await shownText(page)) expect(text, `${locale} ${screen.service}`).toContain(block);
        await backHomeByKeys(page, locale);
      }
    }

    // Repeat, stop and volume through the keymap.
    await page.keyboard.press('F3');
    await page.keyboard.press('F4');
    await page.keyboard.press('F12');
    await until(
      () => calls.includes('speech.repeat') && calls.includes('speech.stop') && calls.includes('speech.volume'),
      'repeat, stop, volume',
    );
    const audio = async () =>
      (
        (await kiosk.runtime.dispatch(JSON.stringify({ id: 1, method: 'audio.status', input: {} }))).result as {
          value: { volume: number };
        }
      ).value.volume;
    // The call was sent; the runtime answers it a moment later: one step up from the default.
    await until(async () => (await audio()) === 120, 'volume one step up (120)');

    // Out: speech stops and nothing more is said.
    await kiosk.sims.commands.headphones(['out']);
    await until(() => calls.lastIndexOf('speech.stop') > calls.lastIndexOf('speech.volume'), 'speech stopped');
    const count = said.length;
    await page.keyboard.press('ArrowDown');
    await new Promise((r) => setTimeout(r, 500));
    expect(said.length).toBe(count);

    // The session's end puts the volume back.
    await press(page, STRINGS.ar.nav.back);
    await until(async () => (await audio()) === 100, 'volume back to default');
  });

  it('turns on with the speech key, speaks errors as they appear, never a typed pickup code', async () => {
    const { d, said } = await open();
    const page = d.page;
    const s = STRINGS.it;
    await startByKeys(page);
    await page.keyboard.press('F2');
    await lastSaid(said, s.home.title);
    await press(page, s.service.certificate.title);
    await lastSaid(said, s.identify.waiting.title);
    await press(page, s.identify.waiting.type);
    await heading(page, s.identify.typing.title).waitFor();
    await page.keyboard.type('RSSMRA85T10A562T');
    await press(page, s.identify.typing.submit);
    await page.getByRole('alert').filter({ hasText: s.identify.problem.cfCheckChar }).waitFor();
    await lastSaid(said, s.identify.problem.cfCheckChar);

    await press(page, s.nav.home);
    await press(page, s.service.pickup.title);
    await heading(page, s.pickup.waiting.scanTitle).waitFor();
    const secret = 'QX7W3KPM';
    await page.keyboard.type(secret);
    await new Promise((r) => setTimeout(r, 500));
    expect(said.filter((u) => u.text.replace(/[\s-]/g, '').includes(secret))).toEqual([]);
  });
  it('speaks the printed receipt on the outcome screen: every printed line, codes spelled, never the QR', async () => {
    const { d, said, receipts } = await open();
    const page = d.page;
    const s = STRINGS.it;
    await startByKeys(page);
    await kiosk.sims.commands.headphones(['in']);
    await lastSaid(said, s.home.title);
    const printed = await certificateByKeys(page, 'it');
    const [paper] = await until(() => {
      const r = kiosk.receiptsSince(printed);
      return r.length > 0 && r;
    }, 'the receipt');
    const text = await until(() => receipts.at(-1), 'the receipt text in the answer');

    // What was said when the outcome appeared: the screen, then the receipt as the printer got it.
    const norm = (t: string) => t.replace(/\s+/g, ' ');
    const outcome = norm((await lastSaid(said, s.access.receipt.intro)).text);
    expect(outcome).toContain(s.flow.receipt.title);
    const lines = paper!.text.split('\n').filter((l) => !/^\s*(\[QR|\[LOGO|-*\s*$)/.test(l));
    expect(lines.length).toBeGreaterThan(8);
    for (const line of lines)
      for (const piece of line.trim().split(/ {2,}/)) {
        const spoken = spokenReceiptLines({ ...text, lines: [piece] })[0]!;
        expect(outcome, line).toContain(norm(spoken));
      }
    // The pickup code is spoken, spelled; the QR (code and pickup secret) never is.
    expect(text.pickupCode).not.toBeNull();
    expect(outcome).toContain(spokenReceiptLines({ ...text, lines: [text.pickupCode!] })[0]);
    const secret = paper!.qr[0]!.split(':').at(-1)!;
    expect(said.filter((u) => u.text.includes(secret) || u.text.includes(paper!.qr[0]!))).toEqual([]);

    // On request, again, in the voice of the language it is printed in.
    await press(page, s.access.receipt.listen);
    await until(() => said.at(-1)?.text.startsWith(s.access.receipt.intro), 'the receipt played');
    expect(said.at(-1)!.locale).toBe('it');
    expect(norm(said.at(-1)!.text)).toContain(norm(spokenReceiptLines({ ...text, lines: [text.lines[1]!] })[0]!));
    await press(page, s.flow.receipt.finish);
  });

  it('tells an Arabic resident the pickup code on screen, and plays the English receipt on request', async () => {
    const { d, said, receipts } = await open();
    const page = d.page;
    const s = STRINGS.ar;
    await startByKeys(page, 'ar');
    await page.keyboard.press('F2');
    await lastSaid(said, s.home.title);
    await certificateByKeys(page, 'ar');
    const text = await until(() => receipts.at(-1), 'the receipt text in the answer');
    expect(text.locale).toBe('en');
    const pickup = spokenReceiptLines({ ...text, lines: [text.pickupCode!] })[0]!;
    const spokenOutcome = await lastSaid(said, pickup);
    const outcome = spokenOutcome.text;
    expect(outcome).toContain(s.flow.receipt.title);
    expect(spokenOutcome.locale).toBe('ar');
    // The English lines are not read in the Arabic voice.
    expect(outcome).not.toContain(STRINGS.en.access.receipt.intro);

    // Tapped (not by keys): the focus it takes is not announced over the receipt.
    await page.getByRole('button', { name: s.access.receipt.listen, exact: true }).click();
    await until(() => said.at(-1)?.text.startsWith(STRINGS.en.access.receipt.intro), 'the English receipt played');
    const played = said.length;
    expect(said.at(-1)!.locale).toBe('en');
    expect(said.at(-1)!.text).toContain(pickup);
    await new Promise((r) => setTimeout(r, 500));
    expect(said.length).toBe(played);
    await press(page, s.flow.receipt.finish);
  });

  it('collects a document by keys and speaks it as printed, in Italian, its codes spelled', async () => {
    const { qr, verificationCode } = await documentWaiting(kiosk, CF);
    const { d, said, receipts } = await open();
    const page = d.page;
    const s = STRINGS.it;
    await startByKeys(page);
    await page.keyboard.press('F2');
    await lastSaid(said, s.home.title);
    await press(page, s.service.pickup.title);
    await heading(page, s.pickup.waiting.scanTitle).waitFor();
    await kiosk.sims.commands.scan([qr]);
    await heading(page, s.identify.waiting.title).waitFor();
    await kiosk.sims.commands.scan([CF]);
    await heading(page, s.identify.confirm.title).waitFor();
    const from = kiosk.receiptCount();
    await press(page, s.identify.confirm.yes);
    await heading(page, s.pickup.done.title).waitFor();
    const paper = await until(() => kiosk.receiptsSince(from)[0], 'the printed document');
    const text = await until(() => receipts.at(-1), 'the document text in the answer');
    expect(text.locale).toBe('it');
    const norm = (t: string) => t.replace(/\s+/g, ' ');
    const done = norm((await lastSaid(said, s.access.receipt.documentIntro)).text);
    expect(done).toContain(s.pickup.done.title);
    const lines = paper.text.split('\n').filter((l) => !/^\s*(\[QR|\[LOGO|-*\s*$)/.test(l));
    for (const line of lines)
      for (const piece of line.trim().split(/ {2,}/))
        expect(done, line).toContain(norm(spokenReceiptLines({ ...text, lines: [piece] })[0]!));
    expect(done).toContain(spokenReceiptLines({ ...text, lines: [verificationCode] })[0]);
    await press(page, s.access.receipt.listenDocument);
    await until(() => said.at(-1)?.text.startsWith(s.access.receipt.documentIntro), 'the document played');
    await press(page, s.pickup.finish);
    await page.getByRole('button', { name: s.attract.touchToStart }).waitFor();
  });
});

describe('technician screens', () => {
  const tech = STRINGS.it.technician;
  const SECTIONS = ['status', 'devices', 'network', 'storage', 'logs', 'config'] as const;

  it('pass axe, name every control, keep AAA contrast and the reach line in every display mode', async () => {
    const { d } = await open();
    const page = d.page;
    const start = page.getByRole('button', { name: STRINGS.it.attract.touchToStart });
    await start.waitFor();
    const violations: string[] = [];
    const checkHere = async (screen: string, mode: Mode | null) => {
      const label = `technician ${screen} ${mode ?? 'default'}`;
      if (screen === 'PIN' || screen === 'devices')
        await screenshot(page, `access-technician-${screen}-${mode ?? 'default'}`);
      violations.push(...(await axeViolations(page, label)));
      if (mode === 'highContrast') violations.push(...(await enhancedContrastViolations(page, label)));
      violations.push(...(await unnamedControls(page)).unnamed.map((u) => `[${label}] unnamed ${u}`));
      violations.push(...(await clippedControls(page)).map((c) => `[${label}] label does not fit: ${c}`));
      if (mode === 'reach') {
        const above = await controlsAbove(page, PORTRAIT.height * REACH_TOP);
        violations.push(...above.map((a) => `[${label}] control above the reach line: ${a}`));
      }
    };
    for (const mode of [null, 'largeText', 'highContrast', 'reach'] as const) {
      // The technician chooses the mode on the attract screen's bar, then makes the gesture.
      if (mode) await toggleModeByKeys(page, 'it', mode);
      const corner = page.getByTestId('technician-corner');
      for (let i = 0; i < 5; i++) await corner.click({ force: true });
      await page.getByRole('heading', { name: tech.pin.title, exact: true }).waitFor();
      await checkHere('PIN', mode);
      if (mode === null) {
        // The PIN pad carries the access bar too: a mode is turned on and off there, with the pointer.
        const bar = page.getByRole('navigation', { name: STRINGS.it.access.bar });
        await bar.getByRole('button', { name: STRINGS.it.access.largeText, exact: true }).click();
        await expect.poll(() => modeAttributes(page), POLL).toEqual(['data-text']);
        await bar.getByRole('button', { name: STRINGS.it.access.largeText, exact: true }).click();
        await expect.poll(() => modeAttributes(page), POLL).toEqual([]);
      }
      for (const digit of '1357') await page.getByRole('button', { name: digit, exact: true }).click();
      await page.getByRole('button', { name: tech.pin.submit, exact: true }).click();
      await page.getByRole('heading', { name: tech.status.inService, exact: true }).waitFor();
      for (const section of SECTIONS) {
        const nav = page.getByRole('navigation', { name: tech.nav.label });
        await nav.getByRole('button', { name: tech.nav[section], exact: true }).click();
        await expect
          .poll(() => nav.getByRole('button', { name: tech.nav[section], exact: true }).getAttribute('aria-pressed'))
          .toBe('true');
        await page.getByRole('main').getByRole('heading', { level: 2 }).first().waitFor();
        await checkHere(section, mode);
      }
      expect(await modeAttributes(page)).toHaveLength(mode ? 1 : 0);
      await page.getByRole('button', { name: tech.nav.exit, exact: true }).click();
      await start.waitFor();
      if (mode) await toggleModeByKeys(page, 'it', mode, false);
    }
    assertNoViolations(violations);
  }, 300_000);
});
