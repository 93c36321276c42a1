/**
 * Technician mode end to end: the real runtime in browser mode with virtual
 * devices on PTYs and a real hub, driven through the built UI in Chromium.
 * The hidden gesture, the PIN (wrong, good, lockout), every diagnostic action
 * against the virtual devices, and out of service forced and automatic.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualDevices } from '../../hardware/sim/devices';
import type { VirtualDevices } from '../../hardware/sim/devices';
import { parseConfig } from '../../kiosk-shell/runtime/config';
import { createLogger } from '../../kiosk-shell/runtime/log';
import { UI_DIR } from '../../kiosk-shell/runtime/paths';
import { startRestartableRuntime } from '../../kiosk-shell/runtime/runtime';
import type { Runtime, RuntimeHost } from '../../kiosk-shell/runtime/runtime';
import { recentAudit } from '../../sync/store/technician';
import { newSubmissionId } from '../../sync/store/submissions';
import { queueSealedCertificate } from '../helpers/queue';
import { loadEnrollment } from '../../sync/client';
import { seal } from '../../sync/crypto/seal';
import { startHub } from '../../server/hub';
import { TestConsole } from '../../server/console-api/test-client';
import type { RunningHub } from '../../server/hub';
import { DEMO_CONFIG, LOCALES, STRINGS, expectNoAxeViolations, fill, launchBrowser, screenshot } from './harness';
import { until } from './services-harness';

const it_ = STRINGS.it;
const tech = it_.technician;
const DEMO_PIN = '1357';
const CF = 'RSSMRA85T10A562S';

let browser: Browser;
let hub: RunningHub;
let sims: VirtualDevices;
let runtime: Runtime;
/** The runtime restarts in place (technician.restart): `runtime` follows it. */
let host: RuntimeHost;
let dataDir: string;
let hubDir: string;
const contexts: BrowserContext[] = [];

/** Like services-harness's kiosk, with a short device grace so "every device failing" shows within the test. */
async function startTechnicianKiosk(): Promise<void> {
  hubDir = mkdtempSync(join(tmpdir(), 'sportello-e2e-tech-hub-'));
  dataDir = mkdtempSync(join(tmpdir(), 'sportello-e2e-tech-'));
  hub = await startHub({ dataDir: hubDir });
  sims = await startVirtualDevices(dataDir);
  const base = parseConfig(JSON.parse(readFileSync(DEMO_CONFIG, 'utf8')), DEMO_CONFIG, { SPORTELLO_DATA_DIR: dataDir });
  const { printer, scanner, magstripe, mrz } = sims.paths;
  host = await startRestartableRuntime({
    config: {
      ...base,
      hub: { url: hub.url },
      devices: { printer, barcode: scanner, magstripe, mrz },
      service: { minFreeMb: 200, deviceGraceS: 1, checkIntervalS: 0.25 },
    },
    log: createLogger({ level: 'silent' }),
    browser: { uiDir: UI_DIR, port: 0 },
  });
  runtime = host.current();
  host.onRestarted((next) => {
    runtime = next;
  });
  await runtime.sync!.enroll(await hub.admin.createEnrollmentCode({ istat: '011011', frazione: 'colombiera' }));
  await until(() => runtime.devices.status().printer.connection === 'connected', 'the printer');
  await until(() => runtime.status().inService, 'in service');
}

beforeAll(async () => {
  [browser] = await Promise.all([launchBrowser(), startTechnicianKiosk()]);
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await sims?.close();
  await hub?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(hubDir, { recursive: true, force: true });
});

async function open(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 }, locale: 'it-IT' });
  contexts.push(context);
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.goto(runtime.server!.url);
  await page.locator('main:not([aria-busy="true"])').first().waitFor();
  return page;
}

function title(page: Page, text: string) {
  return page.getByRole('heading', { level: 1, name: text, exact: true });
}

async function attractShown(page: Page): Promise<void> {
  await page.getByRole('button', { name: it_.attract.touchToStart, exact: true }).waitFor();
}

async function outOfServiceShown(page: Page): Promise<void> {
  await title(page, it_.outOfService.title).waitFor();
}

/** Five taps in the hidden corner. */
async function gesture(page: Page): Promise<void> {
  const corner = page.getByTestId('technician-corner');
  for (let i = 0; i < 5; i++) await corner.click({ force: true });
  await page.getByRole('heading', { name: tech.pin.title, exact: true }).waitFor();
}

async function typePin(page: Page, pin: string): Promise<void> {
  for (const digit of pin) await page.getByRole('button', { name: digit, exact: true }).click();
  await page.getByRole('button', { name: tech.pin.submit, exact: true }).click();
}

async function section(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: tech.nav.label }).getByRole('button', { name, exact: true }).click();
}

async function done(page: Page): Promise<void> {
  await page.getByRole('status').filter({ hasText: tech.action.done }).waitFor();
}

/** The action's determinate progress bar, named `name`, stands full at `total` with "total di total" beside it. */
async function expectFullBar(page: Page, name: string, total: number): Promise<void> {
  const bar = page.getByRole('progressbar', { name, exact: true });
  await bar.waitFor();
  expect(await bar.evaluate((el: HTMLProgressElement) => [el.value, el.max])).toEqual([total, total]);
  await page.getByText(fill(tech.action.progress, { done: total, total }), { exact: true }).waitFor();
}

describe('technician mode', () => {
  it('opens with the hidden gesture and a PIN, and runs every diagnostic on the virtual devices', async () => {
    const page = await open();
    await attractShown(page);
    // The corner is no control: nothing to focus, nothing announced.
    expect(await page.getByTestId('technician-corner').getAttribute('aria-hidden')).toBe('true');
    expect(await page.getByTestId('technician-corner').getAttribute('tabindex')).toBeNull();

    await gesture(page);
    await expectNoAxeViolations(page, 'technician PIN');
    await typePin(page, '9999');
    await page
      .getByRole('alert')
      .filter({ hasText: fill(tech.pin.wrong, { count: 4 }) })
      .waitFor();
    // The digits are never on screen.
    expect(await page.locator('body').textContent()).not.toContain('9999');

    await typePin(page, DEMO_PIN);
    await page.getByRole('heading', { name: tech.status.inService, exact: true }).waitFor();
    await expectNoAxeViolations(page, 'technician status');

    // Devices: test print on the virtual printer, reader test with a masked scan, paper replaced.
    await section(page, tech.nav.devices);
    await page.getByText(`${tech.device.printer}`, { exact: true }).waitFor();
    const before = sims.printer.receipts().length;
    await page.getByRole('button', { name: tech.device.testPrint, exact: true }).click();
    await done(page);
    const receipt = await until(
      () =>
        sims.printer
          .receipts()
          .slice(before)
          .find((r) => r.complete),
      'the test receipt',
    );
    expect(receipt.text).toContain('Stampa di prova');

    await sims.commands.scan([CF]);
    await page.getByRole('button', { name: tech.device.readerTest, exact: true }).click();
    const reads = page.getByRole('list', { name: tech.device.reads });
    await reads.getByText(tech.device.scanner, { exact: false }).first().waitFor();
    expect(await reads.textContent()).not.toContain(CF);

    await page.getByRole('button', { name: tech.device.paperReplaced, exact: true }).click();
    await done(page);
    // The last prints as images, masked by the runtime.
    await page.getByRole('button', { name: tech.previews.show, exact: true }).click();
    const preview = page.getByRole('list', { name: tech.previews.title }).getByRole('img').first();
    expect(await preview.getAttribute('alt')).toContain(tech.previews.kind.test);
    expect(await preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await expectNoAxeViolations(page, 'technician devices');

    // Network and queue: force a sync with the real hub.
    await section(page, tech.nav.network);
    await page.getByRole('heading', { name: fill(tech.network.hub, { state: tech.network.online }) }).waitFor();
    // Three requests wait in the queue (written as the runtime does, the hub not told yet).
    const { hubEncryptionKey } = loadEnrollment(runtime.store.db)!;
    // Sealed first, then written with no await in between, right before the tap: the
    // background sync (every 30 s) has no window to take them before the technician does.
    const ids = [0, 1, 2].map(() => newSubmissionId(new Date()));
    const plain = new TextEncoder().encode(JSON.stringify({ codiceFiscale: CF }));
    const sealed = await Promise.all(ids.map((id) => seal(hubEncryptionKey, plain, id)));
    ids.forEach((id, i) => queueSealedCertificate(runtime.store.db, id, sealed[i]!));
    await page.getByRole('button', { name: tech.network.syncNow, exact: true }).click();
    await done(page);
    await expectFullBar(page, tech.network.syncProgress, 3);
    await expectNoAxeViolations(page, 'technician network');

    // Storage: integrity check on demand, part by part.
    await section(page, tech.nav.storage);
    await page.getByRole('button', { name: tech.storage.check, exact: true }).click();
    await page.getByText(tech.storage.ok, { exact: true }).waitFor();
    const tables = runtime.store.db.prepare("SELECT COUNT(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as {
      n: number;
    };
    await expectFullBar(page, tech.storage.checkProgress, tables.n + 2);
    await expectNoAxeViolations(page, 'technician storage');

    await section(page, tech.nav.logs);
    await page.getByRole('button', { name: tech.logs.show, exact: true }).click();
    await done(page);
    await expectNoAxeViolations(page, 'technician logs');

    await section(page, tech.nav.config);
    expect(await page.getByRole('textbox', { name: tech.config.hubUrl, exact: true }).inputValue()).toBe(hub.url);
    await expectNoAxeViolations(page, 'technician configuration');
    // A port that does not exist is refused, naming the device, and nothing changes.
    const mrzPort = page.getByRole('textbox', { name: fill(tech.config.port, { device: tech.device.mrz }) });
    await mrzPort.fill(join(dataDir, 'dev', 'missing'));
    await page.getByRole('button', { name: tech.config.save, exact: true }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: fill(tech.config.problem['path-missing'], { field: tech.device.mrz }) })
      .waitFor();
    expect(runtime.config.devices.mrz).toBe(sims.paths.mrz);
    await expectNoAxeViolations(page, 'technician configuration refused');
    // Unconfigured, then back on its port: the reader is reopened each time, without a restart.
    await mrzPort.fill('');
    await page.getByRole('button', { name: tech.config.save, exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: fill(tech.config.reopened, { devices: tech.device.mrz }) })
      .waitFor();
    expect(runtime.devices.status().mrz.connection).toBe('not-configured');
    await mrzPort.fill(sims.paths.mrz);
    await page.getByRole('button', { name: tech.config.save, exact: true }).click();
    await done(page);
    await until(() => runtime.devices.status().mrz.connection === 'connected', 'the MRZ reader reopened');

    await page.getByRole('button', { name: tech.nav.exit, exact: true }).click();
    await attractShown(page);
  });

  it('puts the kiosk out of service with a message for every language, and back', async () => {
    const page = await open();
    await attractShown(page);
    await gesture(page);
    await typePin(page, DEMO_PIN);
    await page.getByRole('textbox', { name: tech.status.message }).fill('Torno alle 14');
    await page.getByRole('button', { name: tech.status.putOut, exact: true }).click();
    await page.getByRole('heading', { name: tech.status.outOfService, exact: true }).waitFor();
    await page.getByRole('button', { name: tech.nav.exit, exact: true }).click();

    await outOfServiceShown(page);
    for (const locale of LOCALES) {
      const s = STRINGS[locale].outOfService;
      const block = page.locator(`section[lang="${locale}"]`);
      await block.getByText(s.reason.TECHNICIAN, { exact: true }).waitFor();
      await block.getByText(fill(s.note, { message: 'Torno alle 14' }), { exact: true }).waitFor();
      await block.getByText(`${s.nearest}: Sportello decentrato di Molicciara`).waitFor();
    }
    await expectNoAxeViolations(page, 'out of service (technician)');
    expect(runtime.status()).toMatchObject({ inService: false, outOfServiceReason: 'TECHNICIAN' });

    // Forced: it does not come back by itself. A technician puts it back from the same screen.
    await gesture(page);
    await typePin(page, DEMO_PIN);
    await page.getByRole('button', { name: tech.status.putIn, exact: true }).click();
    await page.getByRole('heading', { name: tech.status.inService, exact: true }).waitFor();
    await page.getByRole('button', { name: tech.nav.exit, exact: true }).click();
    await attractShown(page);
  });

  it('goes out of service by itself when every device fails (paper out, readers unplugged), and comes back', async () => {
    const page = await open();
    await attractShown(page);
    await sims.commands.paper(['out']);
    for (const d of ['scanner', 'magstripe', 'mrz']) await sims.commands.unplug([d]);
    await outOfServiceShown(page);
    await page.locator('section[lang="it"]').getByText(it_.outOfService.reason.DEVICES, { exact: true }).waitFor();

    await sims.commands.plug(['scanner']);
    await attractShown(page);
    await sims.commands.paper(['ok']);
    for (const d of ['magstripe', 'mrz']) await sims.commands.plug([d]);
  });

  it('restarts the interface, then the runtime, and the UI reconnects by itself', async () => {
    const page = await open();
    await attractShown(page);
    await gesture(page);
    await typePin(page, DEMO_PIN);
    // The page reloads (the session ended first) and comes back to the attract screen.
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: tech.status.restartUi, exact: true }).click(),
    ]);
    await page.locator('main:not([aria-busy="true"])').first().waitFor();
    await attractShown(page);
    expect(recentAudit(runtime.store.db).map((a) => a.action)).toEqual(
      expect.arrayContaining(['restart.ui', 'logout']),
    );

    const first = runtime;
    await gesture(page);
    await typePin(page, DEMO_PIN);
    await page.getByRole('button', { name: tech.status.restartRuntime, exact: true }).click();
    await attractShown(page);
    await until(() => runtime !== first, 'the new runtime');
    // The same page talks to the new runtime: a technician logs in again.
    await gesture(page);
    await typePin(page, DEMO_PIN);
    await page.getByRole('heading', { name: tech.status.inService, exact: true }).waitFor();
    expect(recentAudit(runtime.store.db).map((a) => a.action)).toContain('restart.runtime');
    await page.getByRole('button', { name: tech.nav.exit, exact: true }).click();
    await attractShown(page);
  });

  it('opens technician mode with a scanned technician card, and says why a revoked one is refused', async () => {
    await hub.users.create({ login: 'tecnico-carta', role: 'technician', password: 'correct horse battery' });
    await hub.users.create({ login: 'admin-carte', role: 'admin', password: 'correct horse battery' });
    const admin = new TestConsole(hub.url);
    expect((await admin.login('admin-carte', 'correct horse battery')).status).toBe(200);
    const issued = await admin.call('POST', '/console/api/cards', { body: { login: 'tecnico-carta' } });
    const card = (issued.json as { card: { id: string; text: string } }).card;

    const page = await open();
    await attractShown(page);
    await sims.commands.scan([card.text]);
    await page.getByRole('heading', { name: tech.status.inService, exact: true }).waitFor();
    await expectNoAxeViolations(page, 'technician mode by card');
    expect(recentAudit(runtime.store.db, 5).map((a) => [a.actor, a.action])).toContainEqual([
      `card:${card.id}`,
      'login',
    ]);
    await page.getByRole('button', { name: tech.nav.exit, exact: true }).click();
    await attractShown(page);

    expect((await admin.call('POST', `/console/api/cards/${card.id}/revoke`)).status).toBe(200);
    await runtime.sync!.syncNow();
    await sims.commands.scan([card.text]);
    await page.getByRole('alert').filter({ hasText: tech.pin.card.revoked }).waitFor();
    await expectNoAxeViolations(page, 'technician card refused');
    await screenshot(page, 'technician-card-refused');
    // No dead end: the PIN still works from the same pad (and clears the wrong-try count).
    await typePin(page, DEMO_PIN);
    await page.getByRole('heading', { name: tech.status.inService, exact: true }).waitFor();
    await page.getByRole('button', { name: tech.nav.exit, exact: true }).click();
    await attractShown(page);
  });

  it('locks the PIN pad after five wrong PINs', async () => {
    const page = await open();
    await attractShown(page);
    await gesture(page);
    for (let i = 0; i < 5; i++) await typePin(page, '0000');
    await page
      .getByRole('alert')
      .filter({ hasText: tech.pin.locked.split('{{')[0]! })
      .waitFor();
    // Even the right PIN is refused while locked.
    await typePin(page, DEMO_PIN);
    await page
      .getByRole('alert')
      .filter({ hasText: tech.pin.locked.split('{{')[0]! })
      .waitFor();
    expect(await page.getByRole('heading', { name: tech.status.inService }).count()).toBe(0);
  });
});
