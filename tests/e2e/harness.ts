/**
 * The e2e harness: the real runtime in browser mode (in-process, port 0, a
 * fresh temp data dir) and the system Chromium driving the built UI. One
 * browser per test file, one context per test.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { parseConfig } from '../../kiosk-shell/runtime/config';
import { createLogger } from '../../kiosk-shell/runtime/log';
import { ROOT, UI_DIR } from '../../kiosk-shell/runtime/paths';
import { STORE_FILE, startRuntime } from '../../kiosk-shell/runtime/runtime';
import type { Runtime } from '../../kiosk-shell/runtime/runtime';
import type { Locale } from '../../kiosk-shell/api/contract';
import { resources } from '../../src/i18n';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../fixtures/chromium';

/** Every locale's strings, straight from the files the UI bundles. */
export const STRINGS = resources;
export const LOCALES = ['it', 'en', 'de', 'fr', 'ar'] as const satisfies readonly Locale[];

/** `{{name}}` interpolation, as i18next does it. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => String(values[key] ?? `{{${key}}}`));
}

export const DEMO_CONFIG = resolve(ROOT, 'config', 'demo.json');
export const SCREENSHOT_DIR = resolve(ROOT, 'test-results', 'screenshots');

export const PORTRAIT = { width: 1080, height: 1920 } as const;
export const LANDSCAPE = { width: 1920, height: 1080 } as const;
export type Viewport = { width: number; height: number };

/** A Monday morning in Rome: the attract clock and office hours render the same every run. */
export const FIXED_TIME = new Date('2025-03-10T09:30:00+01:00');

export type Kiosk = {
  runtime: Runtime;
  dataDir: string;
  /** The URL with this boot's token. */
  url: string;
  close(): Promise<void>;
};

/** Bytes that are certainly not an SQLite database (no header magic). */
export const GARBAGE = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 37 + 11) & 0xff));

/** Starts the real runtime in browser mode over a fresh temp data dir; `prepare` may seed the dir first. */
export async function startKiosk(prepare?: (dataDir: string) => void): Promise<Kiosk> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sportello-e2e-'));
  prepare?.(dataDir);
  const config = parseConfig(JSON.parse(readFileSync(DEMO_CONFIG, 'utf8')), DEMO_CONFIG, {
    SPORTELLO_DATA_DIR: dataDir,
  });
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      config,
      log: createLogger({ level: 'silent' }),
      browser: { uiDir: UI_DIR, port: 0 },
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  if (!runtime.server) throw new Error('runtime started without its browser server');
  const url = runtime.server.url;
  let closed = false;
  return {
    runtime,
    dataDir,
    url,
    async close() {
      if (closed) return;
      closed = true;
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A runtime whose data dir held a corrupt `sportello.db` at boot. */
export function startCorruptKiosk(): Promise<Kiosk> {
  return startKiosk((dataDir) => writeFileSync(join(dataDir, STORE_FILE), GARBAGE));
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}

/** Pages whose fake clock is paused (time moves only when a test says so). */
const pausedPages = new WeakSet<Page>();

export type OpenOptions = {
  viewport?: Viewport;
  /**
   * Playwright's fake clock is installed at this time (default FIXED_TIME)
   * before the page loads and paused there: time then moves only through
   * `page.clock.runFor`/`fastForward`, so no idle timer fires behind a test's
   * back and every screenshot shows the same time. `null` keeps the real clock.
   */
  pausedClock?: Date | null;
};

export type Harness = {
  readonly browser: Browser;
  /** The healthy kiosk, started once per file. */
  readonly kiosk: Kiosk;
  /** The corrupt-store kiosk, started on first use and shared by the file's tests. */
  corruptKiosk(): Promise<Kiosk>;
  /** Opens the kiosk's UI in a fresh context and waits until the first screen has rendered. */
  open(target?: Kiosk, options?: OpenOptions): Promise<Page>;
};

/**
 * Per-file harness: registers the hooks that start the kiosk and the browser
 * once, close each test's contexts, and tear everything down.
 */
export function useHarness(): Harness {
  let browser: Browser | null = null;
  let kiosk: Kiosk | null = null;
  let corrupt: Kiosk | null = null;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [browser, kiosk] = await Promise.all([launchBrowser(), startKiosk()]);
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
  });

  afterAll(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await kiosk?.close();
    await corrupt?.close();
  });

  const h: Harness = {
    get browser(): Browser {
      if (!browser) throw new Error('browser not launched');
      return browser;
    },
    get kiosk(): Kiosk {
      if (!kiosk) throw new Error('kiosk not started');
      return kiosk;
    },
    async corruptKiosk(): Promise<Kiosk> {
      corrupt ??= await startCorruptKiosk();
      return corrupt;
    },
    async open(target = h.kiosk, options = {}) {
      const context = await h.browser.newContext({
        viewport: options.viewport ?? PORTRAIT,
        locale: 'it-IT',
        timezoneId: 'Europe/Rome',
        reducedMotion: 'reduce',
      });
      contexts.push(context);
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      const clock = options.pausedClock === undefined ? FIXED_TIME : options.pausedClock;
      if (clock) {
        await page.clock.install({ time: clock });
        await page.clock.pauseAt(clock.getTime() + 1000);
        pausedPages.add(page);
      }
      await page.goto(target.url);
      // Booting renders an empty busy <main>; anything else means the runtime answered.
      await page.locator('main:not([aria-busy="true"])').first().waitFor();
      return page;
    },
  };
  return h;
}

/** Saves `test-results/screenshots/<name>-<w>x<h>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const size = page.viewportSize();
  const file = join(SCREENSHOT_DIR, `${name}-${size?.width ?? 0}x${size?.height ?? 0}.png`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: file, animations: 'disabled' });
  return file;
}

export const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const AXE_TIMEOUT_MS = 30_000;

/**
 * Runs axe with the WCAG 2.1 AA tags on what the page shows now and returns
 * one readable block per violation (empty when there are none). axe schedules
 * its checks with timers, so a paused fake clock runs for the scan (a second
 * or so of page time) and is paused again after.
 */
export async function axeViolations(page: Page, label: string): Promise<string[]> {
  const paused = pausedPages.has(page);
  if (paused) await page.clock.resume();
  let timer: NodeJS.Timeout | undefined;
  const results = await Promise.race([
    new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze(),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`axe did not finish on ${label} in ${AXE_TIMEOUT_MS} ms`)),
        AXE_TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  // A little ahead of the page's own time, which keeps moving until paused.
  if (paused) await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 500);
  return results.violations.map((v) =>
    [
      `[${label}] ${v.id} (${v.impact ?? 'n/a'}): ${v.help}`,
      `  ${v.helpUrl}`,
      ...v.nodes.map((n) => `  at ${n.target.join(' ')}\n    ${(n.failureSummary ?? '').replace(/\n/g, '\n    ')}`),
    ].join('\n'),
  );
}

/** Throws one error listing every violation found, so a run shows them all at once. */
export function assertNoViolations(violations: readonly string[]): void {
  if (violations.length === 0) return;
  throw new Error(`axe: ${violations.length} WCAG 2.1 AA violation(s):\n${violations.join('\n')}`);
}

/** Runs axe on the current screen and fails with a readable list of every violation. */
export async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
  assertNoViolations(await axeViolations(page, label));
}
