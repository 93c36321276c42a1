/**
 * The kiosk end to end: the built UI in the system Chromium, talking to the
 * real runtime (SQLite file, WebSocket API) in browser mode.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { STORE_FILE } from '../../kiosk-shell/runtime/runtime';
import {
  GARBAGE,
  LANDSCAPE,
  LOCALES,
  PORTRAIT,
  STRINGS,
  assertNoViolations,
  axeViolations,
  expectNoAxeViolations,
  fill,
  screenshot,
  useHarness,
} from './harness';
import type { Viewport } from './harness';

const h = useHarness();
const it_ = STRINGS.it;
const POLL = { timeout: 5_000 } as const;
/** The home tiles in reading order. */
const HOME_TILES = [
  it_.service.certificate.title,
  it_.service.report.title,
  it_.service.status.title,
  it_.service.pickup.title,
  it_.service.info.title,
];

const demo = JSON.parse(readFileSync(new URL('../../config/demo.json', import.meta.url), 'utf8')) as {
  frazione: string;
  supportPhone: string;
  comune: { name: string };
};

// ── small, behaviour-level helpers ───────────────────────────────────────────

function title(page: Page, text: string) {
  return page.getByRole('heading', { level: 1, name: text, exact: true });
}

async function attractShown(page: Page, locale: keyof typeof STRINGS = 'it'): Promise<void> {
  await title(page, fill(STRINGS[locale].attract.kiosk, { frazione: demo.frazione })).waitFor();
  await page.getByRole('button', { name: STRINGS[locale].attract.touchToStart, exact: true }).waitFor();
}

/** Attract → touch → home, by pointer. */
async function touchToStart(page: Page): Promise<void> {
  await attractShown(page);
  await page.getByRole('button', { name: it_.attract.touchToStart, exact: true }).click();
  await title(page, it_.home.title).waitFor();
}

/** Home → Informazioni, with the office list loaded from the store. */
async function openInfo(page: Page, locale: keyof typeof STRINGS = 'it'): Promise<void> {
  const s = STRINGS[locale];
  await page.getByRole('button', { name: s.service.info.title }).click();
  await title(page, s.service.info.title).waitFor();
  await page.getByRole('note').filter({ hasText: s.info.exampleData }).waitFor();
}

async function htmlLangDir(page: Page): Promise<{ lang: string; dir: string }> {
  return page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }));
}

async function chooseLanguage(page: Page, locale: keyof typeof STRINGS): Promise<void> {
  await page.getByRole('button', { name: STRINGS[locale].language.name, exact: true }).click();
  await expect.poll(() => htmlLangDir(page), POLL).toEqual({ lang: locale, dir: locale === 'ar' ? 'rtl' : 'ltr' });
}

async function showIdleDialog(page: Page): Promise<void> {
  await page.clock.runFor(60_000);
  await page.getByRole('alertdialog').waitFor();
}

// ── tests ────────────────────────────────────────────────────────────────────

describe('the resident journey', () => {
  it('goes attract → home → Informazioni, through every language, and back home', async () => {
    const page = await h.open();
    await attractShown(page);
    expect(await htmlLangDir(page)).toEqual({ lang: 'it', dir: 'ltr' });

    await touchToStart(page);
    await openInfo(page);

    // Office information from the store, with the example-data notice.
    for (const name of [
      'Municipio - Ufficio Anagrafe',
      'Sportello decentrato di Molicciara',
      'Sportello automatico di Colombiera',
    ]) {
      await page.getByRole('heading', { level: 3, name, exact: true }).waitFor();
    }
    await page.getByText(demo.supportPhone).first().waitFor();

    // The nearest *staffed* counter is Molicciara (Colombiera is nearer but unstaffed).
    const nearest = page.getByRole('article').filter({ hasText: it_.info.nearest });
    expect(await nearest.count()).toBe(1);
    expect(await nearest.getByRole('heading', { level: 3 }).textContent()).toBe('Sportello decentrato di Molicciara');

    for (const locale of LOCALES) {
      await chooseLanguage(page, locale);
      const s = STRINGS[locale];
      await title(page, s.service.info.title).waitFor();
      await page.getByRole('note').filter({ hasText: s.info.exampleData }).waitFor();
      await page.getByRole('article').filter({ hasText: s.info.nearest }).waitFor();
      // The chosen language is the pressed one, and only that one.
      const pressed = page.getByRole('button', { pressed: true });
      expect(await pressed.count()).toBe(1);
      expect(await pressed.textContent()).toBe(s.language.name);
    }

    await page.getByRole('button', { name: STRINGS.ar.nav.back, exact: true }).click();
    await title(page, STRINGS.ar.home.title).waitFor();
    expect(await htmlLangDir(page)).toEqual({ lang: 'ar', dir: 'rtl' });
  });
});

describe('the idle watch', () => {
  it('asks "do you need more time?" after 60 s without input and counts down from 20', async () => {
    const page = await h.open();
    await touchToStart(page);

    await page.clock.runFor(59_000);
    expect(await page.getByRole('alertdialog').count()).toBe(0);

    await page.clock.runFor(1_000);
    const dialog = page.getByRole('alertdialog', { name: it_.idle.title, exact: true });
    await dialog.waitFor();
    const seconds = dialog.locator('#idle-seconds');
    await expect.poll(() => seconds.textContent(), POLL).toBe(fill(it_.idle.secondsLeft, { seconds: 20 }));
    // Focus goes into the dialog, on "more time".
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent), POLL).toBe(it_.idle.moreTime);

    await page.clock.runFor(1_000);
    await expect.poll(() => seconds.textContent(), POLL).toBe(fill(it_.idle.secondsLeft, { seconds: 19 }));
    await page.clock.runFor(5_000);
    await expect.poll(() => seconds.textContent(), POLL).toBe(fill(it_.idle.secondsLeft, { seconds: 14 }));
  });

  it('"more time" closes the dialog and the session goes on where it was', async () => {
    const page = await h.open();
    await touchToStart(page);
    await openInfo(page);
    await showIdleDialog(page);

    await page.getByRole('button', { name: it_.idle.moreTime, exact: true }).click();
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    await title(page, it_.service.info.title).waitFor();

    // The watch starts over: a full minute again before the next question.
    await page.clock.runFor(59_000);
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    await page.clock.runFor(1_000);
    await page.getByRole('alertdialog').waitFor();
  });

  it('when the countdown runs out, wipes the session: attract screen, back in Italian', async () => {
    const page = await h.open();
    await touchToStart(page);
    await chooseLanguage(page, 'en');
    await title(page, STRINGS.en.home.title).waitFor();

    await page.clock.runFor(60_000);
    const dialog = page.getByRole('alertdialog', { name: STRINGS.en.idle.title, exact: true });
    await dialog.waitFor();
    await page.clock.runFor(19_000);
    await expect
      .poll(() => dialog.locator('#idle-seconds').textContent(), POLL)
      .toBe(fill(STRINGS.en.idle.secondsLeft, { seconds: 1 }));

    await page.clock.runFor(1_000);
    await attractShown(page, 'it');
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    expect(await htmlLangDir(page)).toEqual({ lang: 'it', dir: 'ltr' });

    // The next resident starts from a clean Italian session.
    await page.getByRole('button', { name: it_.attract.touchToStart, exact: true }).click();
    await title(page, it_.home.title).waitFor();
    expect(await page.getByRole('button', { pressed: true }).textContent()).toBe(it_.language.name);
  });
});

describe('keyboard and keypad', () => {
  /** The focused element, and whether its focus ring is drawn. */
  async function focused(page: Page): Promise<{ text: string; outline: string; width: string }> {
    return page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return { text: '(body)', outline: 'none', width: '0px' };
      const style = getComputedStyle(el);
      return { text: (el.textContent ?? '').trim(), outline: style.outlineStyle, width: style.outlineWidth };
    });
  }

  async function expectVisibleFocus(page: Page, text?: string): Promise<void> {
    const f = await focused(page);
    if (text !== undefined) expect(f.text).toContain(text);
    expect(f.text, 'something has focus').not.toBe('(body)');
    expect(f.outline, `focus ring on "${f.text}"`).not.toBe('none');
    expect(f.width, `focus ring on "${f.text}"`).not.toBe('0px');
  }

  it('reaches Informazioni and goes back with Tab, arrows, Enter and Escape, focus always visible', async () => {
    const page = await h.open();
    const kb = page.keyboard;
    await attractShown(page);

    await kb.press('Tab');
    await expectVisibleFocus(page, it_.attract.touchToStart);
    await kb.press('Enter');
    await title(page, it_.home.title).waitFor();

    await kb.press('ArrowDown');
    await expectVisibleFocus(page, it_.service.certificate.title);
    // Arrows walk the controls in reading order (the tiles, back, the access toggles, the languages) and wrap around.
    // The access toggles (speech, large text, high contrast, reach) sit between back and the languages.
    const accessToggles = await page.getByRole('navigation', { name: it_.access.bar }).getByRole('button').count();
    const seen: string[] = [];
    for (let i = 0; i < HOME_TILES.length + 1 + accessToggles + LOCALES.length; i++) {
      await kb.press('ArrowDown');
      await expectVisibleFocus(page);
      seen.push((await focused(page)).text);
    }
    expect(seen.slice(0, HOME_TILES.length - 1).map((t, i) => t.includes(HOME_TILES[i + 1]!))).toEqual(
      HOME_TILES.slice(1).map(() => true),
    );
    expect(seen.at(-1)).toContain(it_.service.certificate.title);
    await kb.press('ArrowUp');
    await expectVisibleFocus(page, STRINGS.ar.language.name);
    await kb.press('ArrowDown');
    await expectVisibleFocus(page, it_.service.certificate.title);
    for (let i = 1; i < HOME_TILES.length; i++) await kb.press('ArrowDown');
    await expectVisibleFocus(page, it_.service.info.title);

    await kb.press('Enter');
    await title(page, it_.service.info.title).waitFor();
    await page.getByRole('note').waitFor();
    for (let i = 0; i < 4; i++) {
      await kb.press('Tab');
      await expectVisibleFocus(page);
    }

    await kb.press('Escape');
    await title(page, it_.home.title).waitFor();
    await kb.press('Tab');
    await expectVisibleFocus(page);

    // Escape on home ends the session.
    await kb.press('Escape');
    await attractShown(page);
  });

  /** Attract → home → Informazioni with the keyboard alone. */
  async function openInfoByKeyboard(viewport: Viewport) {
    const page = await h.open(h.kiosk, { viewport });
    const kb = page.keyboard;
    await attractShown(page);
    await kb.press('Tab');
    await kb.press('Enter');
    await title(page, it_.home.title).waitFor();
    // Informazioni is the last tile.
    for (let i = 0; i < HOME_TILES.length; i++) await kb.press('ArrowDown');
    await kb.press('Enter');
    await page.getByRole('note').waitFor();
    // The content is taller than the screen: once the screen has measured it (a ResizeObserver,
    // a frame after the content arrives), its region takes focus and the scrolling keys.
    await page.locator('main[data-scroll-region]').waitFor();
    return page;
  }

  it('lets a keyboard-only resident scroll Informazioni down to the contacts', async () => {
    const page = await openInfoByKeyboard(LANDSCAPE);
    const kb = page.keyboard;

    const contacts = page.getByRole('heading', { level: 2, name: it_.info.contacts, exact: true });
    const inView = () =>
      contacts.evaluate((el) => {
        const main = el.closest('main');
        if (!main) return false;
        const r = el.getBoundingClientRect();
        const m = main.getBoundingClientRect();
        return r.top >= m.top && r.bottom <= m.bottom;
      });
    expect(await inView(), 'the contacts start below the fold at 1920×1080').toBe(false);

    // Whatever control has focus, the resident tries the scrolling keys they have.
    for (let i = 0; i < 10 && !(await inView()); i++) {
      await kb.press('Tab');
      await kb.press('PageDown');
      await kb.press('End');
    }
    expect(await inView(), 'the contacts can be brought into view without a pointer').toBe(true);
  });

  it('scrolls Informazioni with the keypad arrows alone, then moves on to the controls', async () => {
    const page = await openInfoByKeyboard(LANDSCAPE);
    const kb = page.keyboard;

    const main = page.getByRole('main');
    await kb.press('ArrowDown');
    await expect.poll(() => main.evaluate((el) => el === document.activeElement), POLL).toBe(true);
    await expectVisibleFocus(page);
    const scrollTop = () => main.evaluate((el) => el.scrollTop);
    const atEnd = () => main.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 1);
    let presses = 0;
    while (!(await atEnd()) && presses < 20) {
      const before = await scrollTop();
      await kb.press('ArrowDown');
      presses++;
      await expect.poll(scrollTop, POLL).toBeGreaterThan(before);
    }
    expect(await atEnd()).toBe(true);
    expect(presses).toBeGreaterThan(0);
    // At the end of the content the next press moves focus on, to the first control.
    await kb.press('ArrowDown');
    await expectVisibleFocus(page, it_.nav.back);
  });

  it('keeps focus inside the idle dialog and Escape asks for more time', async () => {
    const page = await h.open();
    const kb = page.keyboard;
    await attractShown(page);
    await kb.press('Tab');
    await kb.press('Enter');
    await title(page, it_.home.title).waitFor();

    await showIdleDialog(page);
    await expect.poll(async () => (await focused(page)).text, POLL).toBe(it_.idle.moreTime);
    await expectVisibleFocus(page);
    await kb.press('Tab');
    await expectVisibleFocus(page, it_.idle.finish);
    await kb.press('Tab');
    await expectVisibleFocus(page, it_.idle.moreTime);
    await kb.press('Shift+Tab');
    await expectVisibleFocus(page, it_.idle.finish);
    await kb.press('ArrowDown');
    await expectVisibleFocus(page, it_.idle.moreTime);

    await kb.press('Escape');
    await page.getByRole('alertdialog').waitFor({ state: 'detached' });
    // More time, not the end of the session: the resident is still on home.
    await expect.poll(() => page.locator('h1').textContent(), POLL).toBe(it_.home.title);
  });
});

describe('accessibility (axe, WCAG 2.1 AA)', () => {
  it('has no violations on the attract screen', async () => {
    const page = await h.open();
    await attractShown(page);
    await expectNoAxeViolations(page, 'attract (it)');
  });

  for (const locale of ['it', 'ar'] as const) {
    it(`has no violations on home, Informazioni and the idle dialog in ${locale}`, async () => {
      const page = await h.open();
      const s = STRINGS[locale];
      await attractShown(page);
      if (locale === 'it') await touchToStart(page);
      else await chooseLanguage(page, locale);
      await title(page, s.home.title).waitFor();
      const violations = await axeViolations(page, `home (${locale})`);

      await openInfo(page, locale);
      violations.push(...(await axeViolations(page, `Informazioni (${locale})`)));

      await showIdleDialog(page);
      await page.getByRole('alertdialog', { name: s.idle.title, exact: true }).waitFor();
      violations.push(...(await axeViolations(page, `idle dialog (${locale})`)));
      assertNoViolations(violations);
    });
  }

  it('has no violations on the out-of-service screen (all languages, Arabic right-to-left)', async () => {
    const page = await h.open(await h.corruptKiosk());
    await title(page, it_.outOfService.title).waitFor();
    await expectNoAxeViolations(page, 'out of service');
  });
});

describe('screenshots', () => {
  for (const viewport of [PORTRAIT, LANDSCAPE] satisfies Viewport[]) {
    it(`captures every screen at ${viewport.width}×${viewport.height}`, async () => {
      const page = await h.open(h.kiosk, { viewport });
      await attractShown(page);
      await screenshot(page, 'attract');
      await touchToStart(page);
      await screenshot(page, 'home');
      await openInfo(page);
      await screenshot(page, 'info');
      await showIdleDialog(page);
      await screenshot(page, 'idle-dialog');

      const oos = await h.open(await h.corruptKiosk(), { viewport });
      await title(oos, it_.outOfService.title).waitFor();
      const file = await screenshot(oos, 'out-of-service');
      expect(existsSync(file)).toBe(true);
    });
  }
});

describe('a corrupt database', () => {
  it('shows the out-of-service screen in every language with the support phone, never home', async () => {
    const kiosk = await h.corruptKiosk();
    expect(kiosk.runtime.status()).toEqual({ inService: false, outOfServiceReason: 'STORE_INTEGRITY' });
    const page = await h.open(kiosk);

    await title(page, it_.outOfService.title).waitFor();
    for (const locale of LOCALES) {
      const s = STRINGS[locale];
      const block = page.locator(`section[lang="${locale}"]`);
      expect(await block.getAttribute('dir')).toBe(locale === 'ar' ? 'rtl' : 'ltr');
      await block.getByRole('heading', { name: s.outOfService.title, exact: true }).waitFor();
      await block.getByText(s.outOfService.body, { exact: true }).waitFor();
      await block.getByText(fill(s.outOfService.support, { phone: demo.supportPhone }), { exact: true }).waitFor();
      await block.getByText(`${s.outOfService.nearest}: Sportello decentrato di Molicciara`).waitFor();
    }

    // Nothing to press but the access toggles (issue 6), and touching or typing leads nowhere.
    const toggles = await page.getByRole('navigation', { name: it_.access.bar }).getByRole('button').count();
    expect(toggles).toBe(4);
    expect(await page.getByRole('button').count()).toBe(toggles);
    await page.mouse.click(540, 960);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await page.clock.runFor(120_000);
    await title(page, it_.outOfService.title).waitFor();
    expect(await page.getByRole('heading', { name: it_.home.title }).count()).toBe(0);
    expect(
      await page.getByRole('heading', { name: fill(it_.attract.kiosk, { frazione: demo.frazione }) }).count(),
    ).toBe(0);
  });

  it('keeps the corrupt file, moved aside next to the new store', async () => {
    const kiosk = await h.corruptKiosk();
    const files = readdirSync(kiosk.dataDir);
    expect(files).toContain(STORE_FILE);
    const aside = files.filter((f) => /^sportello\.db\.corrupt-.+$/.test(f));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(kiosk.dataDir, aside[0]!)).equals(GARBAGE)).toBe(true);
    // The new file is a real SQLite database.
    expect(readFileSync(join(kiosk.dataDir, STORE_FILE)).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
  });
});

describe('touch targets', () => {
  type Box = { name: string; primary: boolean; width: number; height: number };

  async function buttonBoxes(page: Page): Promise<Box[]> {
    return page.evaluate(() =>
      Array.from(document.querySelectorAll('button, [role="button"], a[href], input')).map((el) => {
        const r = el.getBoundingClientRect();
        return {
          name: (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40),
          primary: el.classList.contains('btn-primary'),
          width: Math.round(r.width * 10) / 10,
          height: Math.round(r.height * 10) / 10,
        };
      }),
    );
  }

  function tooSmall(boxes: Box[]): string[] {
    return boxes.flatMap((b) => {
      const problems: string[] = [];
      if (b.width < 48 || b.height < 48) problems.push(`"${b.name}" is ${b.width}×${b.height} (< 48×48)`);
      if (b.primary && b.height < 64) problems.push(`primary "${b.name}" is ${b.height} px high (< 64)`);
      return problems;
    });
  }

  for (const viewport of [PORTRAIT, LANDSCAPE] satisfies Viewport[]) {
    it(`every control is at least 48×48 px and primary buttons 64 px high at ${viewport.width}×${viewport.height}`, async () => {
      const page = await h.open(h.kiosk, { viewport });
      await attractShown(page);
      const attract = await buttonBoxes(page);
      await touchToStart(page);
      const home = await buttonBoxes(page);
      await openInfo(page);
      const info = await buttonBoxes(page);
      await showIdleDialog(page);
      const dialog = await buttonBoxes(page);

      expect(attract.length).toBeGreaterThanOrEqual(1 + LOCALES.length);
      expect(home.length).toBeGreaterThanOrEqual(2 + LOCALES.length);
      expect(attract.some((b) => b.primary)).toBe(true);
      const problems = [
        ...tooSmall(attract).map((p) => `attract: ${p}`),
        ...tooSmall(home).map((p) => `home: ${p}`),
        ...tooSmall(info).map((p) => `info: ${p}`),
        ...tooSmall(dialog).map((p) => `idle dialog: ${p}`),
      ];
      expect(problems).toEqual([]);
    });
  }
});
