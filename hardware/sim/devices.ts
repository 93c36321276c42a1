/**
 * The virtual twin of a whole kiosk's hardware: one socat PTY pair per device
 * under `<dataDir>/dev/`, a virtual printer and three virtual readers on the
 * device ends, and the commands `npm run sim` sends to them. The runtime gets
 * the kiosk ends as its device paths and cannot tell them from real ports.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jackFile } from '../audio/jack';
import type { SimCommands } from './control';
import { startVirtualPrinter } from './printer';
import type { VirtualPrinter } from './printer';
import { createPtyPair } from './pty';
import type { PtyPair } from './pty';
import { startVirtualMagstripe, startVirtualMrz, startVirtualScanner } from './readers';
import type { VirtualReader } from './readers';

export const DEVICE_NAMES = ['printer', 'scanner', 'magstripe', 'mrz'] as const;
export type DeviceName = (typeof DEVICE_NAMES)[number];

export type VirtualDevices = {
  /** The kiosk ends, to use as the configured device paths. */
  paths: Record<DeviceName, string>;
  printer: VirtualPrinter;
  commands: DeviceCommands;
  close(): Promise<void>;
};

/** What `npm run sim -- <command>` can do to the virtual devices. */
export type DeviceCommands = SimCommands &
  Record<'scan' | 'swipe' | 'mrz' | 'paper' | 'cover' | 'unplug' | 'plug' | 'headphones', SimCommands[string]>;

function isDevice(name: string | undefined): name is DeviceName {
  return (DEVICE_NAMES as readonly string[]).includes(name ?? '');
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], usage: string): T {
  if (value !== undefined && (allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`usage: ${usage}`);
}

/** Starts every virtual device; receipts go to `<dataDir>/printer/`. */
export async function startVirtualDevices(dataDir: string): Promise<VirtualDevices> {
  const devDir = join(dataDir, 'dev');
  mkdirSync(devDir, { recursive: true });
  const pairs = {} as Record<DeviceName, PtyPair>;
  for (const name of DEVICE_NAMES) pairs[name] = await createPtyPair(devDir, name);

  const printer = await startVirtualPrinter({ devicePath: pairs.printer.devicePath, outDir: join(dataDir, 'printer') });
  const scanner = await startVirtualScanner({ devicePath: pairs.scanner.devicePath });
  const magstripe = await startVirtualMagstripe({ devicePath: pairs.magstripe.devicePath });
  const mrz = await startVirtualMrz({ devicePath: pairs.mrz.devicePath });
  const readers: Record<Exclude<DeviceName, 'printer'>, VirtualReader> = { scanner, magstripe, mrz };

  const commands: DeviceCommands = {
    async scan(args) {
      if (args.length === 0) throw new Error('usage: scan <text>');
      await scanner.scan(args.join(' '));
      return 'scanned';
    },
    async swipe(args) {
      if (args.length === 0) throw new Error('usage: swipe <tracks>');
      await magstripe.swipe(args.join(' '));
      return 'swiped';
    },
    async mrz(args) {
      if (args.length < 2 || args.length > 3) throw new Error('usage: mrz <line1> <line2> [line3]');
      await mrz.present(args);
      return 'document presented';
    },
    paper(args) {
      const state = oneOf(args[0], ['ok', 'near-end', 'out'] as const, 'paper ok|near-end|out');
      printer.setPaper(state);
      return `paper ${state}`;
    },
    headphones(args) {
      const state = oneOf(args[0], ['in', 'out'] as const, 'headphones in|out');
      // The same file an acpid action writes on a kiosk (hardware/audio/jack).
      writeFileSync(jackFile(dataDir), `${state}\n`);
      return `headphones ${state}`;
    },
    cover(args) {
      const state = oneOf(args[0], ['open', 'closed'] as const, 'cover open|closed');
      printer.setCover(state);
      return `cover ${state}`;
    },
    async unplug(args) {
      const name = args[0];
      if (!isDevice(name)) throw new Error(`usage: unplug ${DEVICE_NAMES.join('|')}`);
      await pairs[name].unplug();
      return `${name} unplugged`;
    },
    async plug(args) {
      const name = args[0];
      if (!isDevice(name)) throw new Error(`usage: plug ${DEVICE_NAMES.join('|')}`);
      await pairs[name].plug();
      return `${name} plugged in`;
    },
  };

  return {
    paths: {
      printer: pairs.printer.kioskPath,
      scanner: pairs.scanner.kioskPath,
      magstripe: pairs.magstripe.kioskPath,
      mrz: pairs.mrz.kioskPath,
    },
    printer,
    commands,
    async close() {
      await printer.close();
      await Promise.all(Object.values(readers).map((r) => r.close()));
      await Promise.all(Object.values(pairs).map((p) => p.close()));
    },
  };
}
