/**
 * services.*: how many taps a resident needs, and how long the receipt takes
 * once they confirm. Driven through the real UI in Chromium against the real
 * runtime, virtual devices on PTYs and a hub (tests/e2e/services-harness), with
 * the same journeys the e2e tests walk (tests/e2e/journeys).
 *
 * A tap is a click on the page; every character typed on the on-screen
 * keyboard counts as one tap. A card read is not a tap.
 */
import { performance } from 'node:perf_hooks';
import type { VirtualReceipt } from '../hardware/sim/printer';
import { STRINGS } from '../tests/e2e/harness';
import {
  certificateAfterCard,
  driveReport,
  heading,
  noCheck,
  openKiosk,
  openService,
  shownCode,
  start,
} from '../tests/e2e/journeys';
import type { Driver } from '../tests/e2e/journeys';
import { startServiceKiosk, until } from '../tests/e2e/services-harness';
import type { ServiceKiosk } from '../tests/e2e/services-harness';
import { buildLauncher, ensureUiBuilt } from './kiosk';
import type { Figure } from './report';
import { percentile, round } from './report';
import type { FigureGroup } from './ui';

const CF = 'RSSMRA85T10A562S';
const CONFIRM_RUNS = 20;
const REPORT_TEXT = 'Lampione spento';

async function receiptAfter(kiosk: ServiceKiosk, from: number): Promise<VirtualReceipt> {
  const [receipt] = await until(
    () => {
      const r = kiosk.receiptsSince(from);
      return r.length > 0 && r;
    },
    'the receipt',
    20_000,
  );
  return receipt!;
}

/** Home → certificate → card → … → printed; returns the taps from home and after the card. */
async function certificateTaps(d: Driver, kiosk: ServiceKiosk, type: 'residenza' | 'nascita') {
  d.taps = 0;
  await openService(d, 'certificate');
  await heading(d.page, STRINGS.it.identify.waiting.title).waitFor();
  const beforeCard = d.taps;
  const from = kiosk.receiptCount();
  await kiosk.sims.commands.scan([CF]);
  await certificateAfterCard(d, 'it', noCheck, type);
  await shownCode(d.page, 'it');
  await receiptAfter(kiosk, from);
  const total = d.taps;
  await d.tap(STRINGS.it.flow.receipt.another);
  return { total, afterCard: total - beforeCard };
}

export const servicesFigures: FigureGroup = {
  ids: [
    'services.taps-certificate-self',
    'services.taps-certificate-self-after-card',
    'services.taps-report',
    'services.taps-status',
    'services.confirm-to-receipt-ms',
  ],
  async run(ctx) {
    buildLauncher();
    ensureUiBuilt();
    const browser = await ctx.browser();
    const kiosk = await startServiceKiosk();
    ctx.cleanup.add(() => kiosk.close());
    const d = await openKiosk(browser, kiosk.url, { onContext: (c) => ctx.cleanup.add(() => c.close()) });
    await start(d);
    const figures: Figure[] = [];

    const residenza = await certificateTaps(d, kiosk, 'residenza');
    const nascita = await certificateTaps(d, kiosk, 'nascita');
    figures.push(
      {
        id: 'services.taps-certificate-self',
        value: residenza.total,
        unit: 'taps',
        target: '1 tile + <= 7 after the card',
        ok: residenza.afterCard <= 7,
        runs: 1,
        note: `home → tile → card read (0 taps) → certificato di residenza, carta libera (pensione), pickup here → confirm → receipt printed; birth certificate (no bollo): ${nascita.total} from home`,
      },
      {
        id: 'services.taps-certificate-self-after-card',
        value: residenza.afterCard,
        unit: 'taps',
        target: '<= 7',
        ok: residenza.afterCard <= 7,
        runs: 1,
        note: `"sì, sono io", type, per me, carta libera, reason, pickup here, confirm; ${nascita.afterCard} for a certificate without stamp duty`,
      },
    );

    // Segnalazione: typing counts, one tap per character on the on-screen keyboard.
    d.taps = 0;
    let from = kiosk.receiptCount();
    await openService(d, 'report');
    await driveReport(d, 'it', REPORT_TEXT, noCheck);
    const reportCode = await shownCode(d.page, 'it');
    const reportReceipt = await receiptAfter(kiosk, from);
    figures.push({
      id: 'services.taps-report',
      value: d.taps,
      unit: 'taps',
      target: 'report',
      ok: true,
      runs: 1,
      note: `tile, category + continue, "in a street", 5 letters of the street, the street, "${REPORT_TEXT}" (${REPORT_TEXT.length} keys) + continue, no contact, confirm`,
    });
    await d.tap(STRINGS.it.flow.receipt.another);

    // Stato pratica: the receipt's QR on the scanner, no typing.
    d.taps = 0;
    await openService(d, 'status');
    await heading(d.page, STRINGS.it.status.waiting.scanTitle).waitFor();
    await kiosk.sims.commands.scan([reportReceipt.qr[0] ?? `SPORTELLO:1:${reportCode}`]);
    await heading(d.page, STRINGS.it.status.found.title).waitFor();
    figures.push({
      id: 'services.taps-status',
      value: d.taps,
      unit: 'taps',
      target: 'report',
      ok: true,
      runs: 1,
      note: 'home → tile → scan the receipt QR (0 taps) → status shown; nothing is printed',
    });
    await d.tap(STRINGS.it.status.found.another).catch(() => undefined);
    await d.page.getByRole('button', { name: STRINGS.it.nav.home, exact: true }).click();
    await heading(d.page, STRINGS.it.home.title, 1).waitFor();

    // Confirm → the receipt's last byte at the virtual printer (same process, same clock).
    const samples: number[] = [];
    for (let i = 0; i < CONFIRM_RUNS; i += 1) {
      await openService(d, 'certificate');
      await kiosk.sims.commands.scan([CF]);
      const confirm = d.page.getByRole('button', { name: STRINGS.it.certificate.summary.confirm, exact: true });
      from = kiosk.receiptCount();
      let t0 = 0;
      await certificateAfterCard(d, 'it', noCheck, 'nascita', {
        beforeConfirm: async () => {
          await confirm.waitFor();
          t0 = performance.now();
        },
      });
      const receipt = await receiptAfter(kiosk, from);
      samples.push(receipt.at - t0);
      await shownCode(d.page, 'it');
      await d.tap(STRINGS.it.flow.receipt.another);
    }
    const p50 = percentile(samples, 50);
    const p95 = percentile(samples, 95);
    figures.push({
      id: 'services.confirm-to-receipt-ms',
      value: round(p50),
      unit: 'ms',
      target: 'report',
      ok: true,
      runs: samples.length,
      note:
        `p50; p95 ${round(p95)} ms, max ${round(Math.max(...samples))} ms; from just before the click on "Conferma la richiesta" ` +
        'to the virtual printer seeing the cut of the receipt (validate, seal, SQLite commit with synchronous=FULL, ' +
        'layout, ESC/POS over a 115200 PTY, status round trips); birth certificate, headless Chromium',
    });
    return figures;
  },
};
