/**
 * Whether the kiosk can serve, decided from its causes by one pure function.
 *
 * The rule, with today's services (certificate, report, status, pickup, info):
 * - a technician's decision wins, and only a technician lifts it;
 * - a store that failed its integrity check, or a disk below the threshold,
 *   stops everything (a request the resident is told is saved must be);
 * - devices alone almost never do: every service works without a printer (the
 *   code is shown on screen) and a codice fiscale can be typed. So one missing
 *   device is a degraded kiosk, not a closed one. Only when EVERY configured
 *   device has been failing for `deviceGraceMs` (the printer cannot print and
 *   every configured reader is off line) is it out of service: that is a
 *   cabinet fault (power strip, USB hub) that a resident should not meet. A kiosk
 *   with no device configured at all is not counted (development, typing only).
 * Every automatic cause clears by itself when its condition does.
 */
import type { DevicesStatus, KioskStatus, OutOfServiceReason } from '../api/contract';
import { OUT_OF_SERVICE_REASONS } from '../api/contract';

export type ServiceInputs = {
  /** A technician put the kiosk out of service. */
  forced: boolean;
  /** The technician's note for residents, shown with a forced status. */
  message: string | null;
  /** The store failed its integrity check (at boot or on demand). */
  integrityFailed: boolean;
  /** Free bytes on the store's disk; null when unknown (never a cause then). */
  freeBytes: number | null;
  minFreeBytes: number;
  devices: DevicesStatus;
  /** Since when (epoch ms) every configured device has been failing; null when not. */
  devicesFailingSince: number | null;
  deviceGraceMs: number;
  now: number;
};

/** Whether every configured device fails now; false when none is configured. */
export function everyDeviceFailing(devices: DevicesStatus): boolean {
  const configured = [devices.printer, devices.scanner, devices.magstripe, devices.mrz].filter(
    (d) => d.connection !== 'not-configured',
  );
  return configured.length > 0 && configured.every((d) => d.problem !== null);
}

/** The causes that hold now, most decisive first (the order of OUT_OF_SERVICE_REASONS). */
export function outOfServiceCauses(i: ServiceInputs): OutOfServiceReason[] {
  const holds: Record<OutOfServiceReason, boolean> = {
    TECHNICIAN: i.forced,
    STORE_INTEGRITY: i.integrityFailed,
    DISK_LOW: i.freeBytes !== null && i.freeBytes < i.minFreeBytes,
    DEVICES: i.devicesFailingSince !== null && i.now - i.devicesFailingSince >= i.deviceGraceMs,
  };
  return OUT_OF_SERVICE_REASONS.filter((r) => holds[r]);
}

/** The status the kiosk API reports for these causes. */
export function kioskStatus(causes: readonly OutOfServiceReason[], message: string | null): KioskStatus {
  const [first, ...others] = causes;
  if (first === undefined) return { inService: true, outOfServiceReason: null };
  return {
    inService: false,
    outOfServiceReason: first,
    ...(others.length > 0 && { otherReasons: others }),
    ...(causes.includes('TECHNICIAN') && message && { message }),
  };
}

/** Tracks when every device started failing, so a short unplug or a boot does not close the kiosk. */
export function nextFailingSince(previous: number | null, devices: DevicesStatus, now: number): number | null {
  if (!everyDeviceFailing(devices)) return null;
  return previous ?? now;
}

// ── the monitor: the runtime's live status ─────────────────────────────────

export type ServiceMonitor = {
  status(): KioskStatus;
  /** Looks at disk and devices again; reports a change to `onChange`. */
  refresh(): KioskStatus;
  /** What a technician decided, as persisted. */
  forced(): { forced: boolean; message: string | null };
  setForced(forced: boolean, message: string | null): KioskStatus;
  setIntegrityFailed(failed: boolean): KioskStatus;
  close(): void;
};

export type ForcedStore = {
  load(): { forced: boolean; message: string | null };
  save(value: { forced: boolean; message: string | null }): void;
};

/**
 * Keeps the kiosk's status: evaluates the causes on every device change and
 * every `checkIntervalMs` (disk, and the devices' grace period), persists a
 * technician's decision through `store`, and calls `onChange` once per change.
 */
export function createServiceMonitor(opts: {
  store: ForcedStore;
  integrityFailed: boolean;
  devices: () => DevicesStatus;
  freeBytes: () => number | null;
  minFreeBytes: number;
  deviceGraceMs: number;
  checkIntervalMs: number;
  now: () => number;
  onChange: (status: KioskStatus, causes: OutOfServiceReason[]) => void;
}): ServiceMonitor {
  let decision = opts.store.load();
  let integrityFailed = opts.integrityFailed;
  let failingSince: number | null = null;
  let current: KioskStatus = { inService: true, outOfServiceReason: null };

  const evaluate = (): KioskStatus => {
    const now = opts.now();
    const devices = opts.devices();
    failingSince = nextFailingSince(failingSince, devices, now);
    let freeBytes: number | null = null;
    try {
      freeBytes = opts.freeBytes();
    } catch {
      freeBytes = null; // an unreadable filesystem is not "full"; the store's own writes will tell
    }
    const causes = outOfServiceCauses({
      forced: decision.forced,
      message: decision.message,
      integrityFailed,
      freeBytes,
      minFreeBytes: opts.minFreeBytes,
      devices,
      devicesFailingSince: failingSince,
      deviceGraceMs: opts.deviceGraceMs,
      now,
    });
    const next = kioskStatus(causes, decision.message);
    if (JSON.stringify(next) !== JSON.stringify(current)) {
      current = next;
      opts.onChange(next, causes);
    }
    return current;
  };

  current = evaluate();
  const timer = setInterval(evaluate, opts.checkIntervalMs);
  timer.unref();

  return {
    status: () => current,
    refresh: evaluate,
    forced: () => decision,
    setForced(forced, message) {
      decision = { forced, message: forced ? message : null };
      opts.store.save(decision);
      return evaluate();
    },
    setIntegrityFailed(failed) {
      integrityFailed = failed;
      return evaluate();
    },
    close: () => clearInterval(timer),
  };
}
