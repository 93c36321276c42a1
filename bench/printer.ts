/**
 * Receipt printer figures: how many bytes a standard receipt is, how long those
 * bytes take on the line, and how long a print request takes to reach the virtual
 * printer's last byte over a real socat PTY, through the real service and transport.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SerialPort } from 'serialport';
import { encodeReceipt } from '../hardware/printer/encode';
import { PrinterService } from '../hardware/printer/service';
import type { VirtualPrinter, VirtualReceipt } from '../hardware/sim/printer';
import { startVirtualPrinter } from '../hardware/sim/printer';
import { createPtyPair } from '../hardware/sim/pty';
import { SerialTransport, lineTimeMs } from '../hardware/transport/serial';
import { STANDARD_RECEIPT } from '../tests/fixtures/hardware/printer/standard-receipt';
import { tempDir } from './kiosk';
import type { Figure } from './report';
import { median, percentile, round } from './report';
import type { FigureGroup } from './ui';

const BAUD = 115200;
const WARMUP = 5;
const RUNS = 200;
const BYTES_TARGET = 1536;
const LOGO = { width: 384, height: 96, data: new Uint8Array(48 * 96).fill(0x5a) };

function nextReceipt(sim: VirtualPrinter): Promise<VirtualReceipt> {
  return new Promise((resolve) => sim.once('receipt', resolve));
}

async function until(test: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const started = performance.now();
  while (!test()) {
    if (performance.now() - started > timeoutMs) throw new Error(`bench: ${what} did not happen in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function openPort(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: BAUD }, (err) => (err ? reject(err) : resolve(port)));
  });
}

type Timings = { lastByte: number[]; total: number[]; baseline: number[] };

/** Prints the standard receipt RUNS times through the service, then writes the same bytes raw as a baseline. */
async function measureOverPty(dir: string): Promise<Timings> {
  const pair = await createPtyPair(dir, 'printer');
  let sim: VirtualPrinter | null = null;
  let service: PrinterService | null = null;
  try {
    sim = await startVirtualPrinter({ devicePath: pair.devicePath, outDir: join(dir, 'receipts') });
    const transport = new SerialTransport({ path: pair.kioskPath, baudRate: BAUD, device: 'printer' });
    // No background poll during the timed runs: each print does its own status checks.
    service = new PrinterService({ transport, pollIntervalMs: 3_600_000 });
    service.start();
    const s = service;
    await until(() => s.health.connection === 'connected' && s.health.problem === null, 'printer ready');
    await service.storeLogo(LOGO);

    const lastByte: number[] = [];
    const total: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i += 1) {
      const printed = nextReceipt(sim);
      const t0 = performance.now();
      await service.print(STANDARD_RECEIPT);
      const done = performance.now();
      const receipt = await printed;
      if (!receipt.complete) throw new Error(`bench: receipt ${receipt.id} came out incomplete`);
      if (i >= WARMUP) {
        lastByte.push(receipt.at - t0);
        total.push(done - t0);
      }
    }
    await service.stop();
    service = null;

    // Baseline: the same receipt bytes written straight to the port, to the same event at the printer.
    const port = await openPort(pair.kioskPath);
    const bytes = encodeReceipt(STANDARD_RECEIPT);
    const baseline: number[] = [];
    try {
      for (let i = 0; i < WARMUP + RUNS; i += 1) {
        const printed = nextReceipt(sim);
        const t0 = performance.now();
        port.write(bytes);
        const receipt = await printed;
        if (i >= WARMUP) baseline.push(receipt.at - t0);
      }
    } finally {
      await new Promise((r) => port.close(r));
    }
    return { lastByte, total, baseline };
  } finally {
    await service?.stop();
    await sim?.close();
    await pair.close();
  }
}

/** printer.receipt-bytes, its line time at 115200 and 9600 baud, and request → last byte over a PTY. */
export const printerFigures: FigureGroup = {
  ids: [
    'printer.receipt-bytes',
    'printer.receipt-ms-115200',
    'printer.receipt-ms-9600',
    'printer.request-to-last-byte-ms',
    'printer.request-to-last-byte-ratio',
  ],
  async run(ctx) {
    const epson = encodeReceipt(STANDARD_RECEIPT, { model: 'EPSON' }).length;
    const custom = encodeReceipt(STANDARD_RECEIPT, { model: 'CUSTOM' }).length;
    const what =
      `standard receipt (tests/fixtures/hardware/printer/standard-receipt.ts: logo by NV reference, comune, title, ` +
      `${STANDARD_RECEIPT.lines.length} text lines, ${STANDARD_RECEIPT.rows.length} label-value rows, QR of ${STANDARD_RECEIPT.qr?.length ?? 0} chars as GS ( k, 2-line footer, feed + cut)`;
    const figures: Figure[] = [];
    if (ctx.wants('printer.receipt-bytes')) {
      figures.push({
        id: 'printer.receipt-bytes',
        value: epson,
        unit: 'bytes',
        target: `<= ${BYTES_TARGET}`,
        ok: epson <= BYTES_TARGET,
        runs: 1,
        note: `${what}, EPSON encoding; CUSTOM encoding ${custom} bytes; the GS r 1 barrier (3 bytes) and the status queries around a print are not counted`,
      });
    }
    for (const baud of [115200, 9600] as const) {
      const id = `printer.receipt-ms-${baud}`;
      if (!ctx.wants(id)) continue;
      figures.push({
        id,
        value: round(lineTimeMs(epson, baud)),
        unit: 'ms',
        target: 'none (line time)',
        ok: true,
        runs: 1,
        note: `${epson} bytes × 10 bits (8N1) / ${baud} baud: transmit time of the standard receipt on the line`,
      });
    }
    const wantPty = ctx.wants('printer.request-to-last-byte-ms') || ctx.wants('printer.request-to-last-byte-ratio');
    if (!wantPty) return figures;

    const t = await measureOverPty(tempDir(ctx.cleanup, 'printer'));
    const p50 = median(t.lastByte);
    const base = median(t.baseline);
    const fmt = (xs: number[]) => `p50 ${round(median(xs), 2)} ms, p99 ${round(percentile(xs, 99), 2)} ms`;
    if (ctx.wants('printer.request-to-last-byte-ms')) {
      figures.push({
        id: 'printer.request-to-last-byte-ms',
        value: round(p50, 2),
        unit: 'ms',
        target: 'none (baseline)',
        ok: true,
        runs: t.lastByte.length,
        note:
          `median of ${t.lastByte.length} (after ${WARMUP} warm-up): PrinterService.print(standard receipt) called → the virtual printer ` +
          `(hardware/sim/printer.ts, same process) has parsed the receipt's cut, over a socat PTY pair opened at ${BAUD} baud ` +
          `(a PTY does not pace bytes: add printer.receipt-ms-${BAUD} for a real line); includes encoding and the DLE EOT 1-4 ` +
          `round trip before the print; ${fmt(t.lastByte)}; whole job until print() resolved (GS r 1 confirmation + final status): ${fmt(t.total)}`,
      });
    }
    if (ctx.wants('printer.request-to-last-byte-ratio')) {
      figures.push({
        id: 'printer.request-to-last-byte-ratio',
        value: round(p50 / base, 2),
        unit: 'x',
        target: 'none (same-run ratio)',
        ok: true,
        runs: t.baseline.length,
        note:
          `printer.request-to-last-byte-ms p50 / p50 of the same ${epson} bytes written raw with serialport to the same PTY ` +
          `and the same virtual printer (no encoding, no status check): ${round(p50, 2)} / ${round(base, 2)} ms; baseline ${fmt(t.baseline)}`,
      });
    }
    return figures;
  },
};
