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
import { LOCALES, PORTRAIT, STRINGS, assertNoViolations, axeViolations } from './harness';
import { RESIDENZA, heading, openKiosk } from './journeys';
import type { Driver, Locale } from './journeys';
import { startServiceKiosk, until } from './services-harness';
import type { ServiceKiosk } from './services-harness';

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

/** Opens the kiosk and records every `speech.say` (and other speech call) the page makes. */
async function open(options: { pausedClock?: boolean } = {}): Promise<{ d: Driver; said: Said[]; calls: string[] }> {
  const said: Said[] = [];
  const calls: string[] = [];
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
    },
  });
  return { d, said, calls };
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

async function toggleModeByKeys(page: Page, locale: Locale, mode: Mode): Promise<void> {
  await press(page, STRINGS[locale].access[MODE_KEY[mode]]);
  const attr = { largeText: 'data-text', highContrast: 'data-contrast', reach: 'data-layout' }[mode];
  await expect.poll(() => page.evaluate((a) => document.documentElement.hasAttribute(a), attr), POLL).toBe(true);
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
        return (byIds || el.getAttribute('aria-label') || el.textContent || '').trim() === '';
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

/** WCAG 1.4.6 (AAA) contrast, for the high-contrast mode. */
async function enhancedContrastViolations(page: Page, label: string): Promise<string[]> {
  const r = await new AxeBuilder({ page }).withRules(['color-contrast-enhanced']).analyze();
  return r.violations.flatMap((v) =>
    v.nodes.map((n) => `[${label}] ${v.id} at ${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
  );
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
    await press(page, s.service.certificate.title);
    await heading(page, s.identify.waiting.title).waitFor();
    const printed = kiosk.receiptCount();
    await kiosk.sims.commands.scan([CF]);
    await heading(page, s.identify.confirm.title).waitFor();
    await press(page, s.identify.confirm.yes);
    await heading(page, s.certificate.type.title).waitFor();
    await press(page, RESIDENZA.it);
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
    expect(await audio()).toBe(120);

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
});
