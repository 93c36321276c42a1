import { describe, expect, it } from 'vitest';
import type { DevicesStatus } from '../api/contract';
import { everyDeviceFailing, kioskStatus, nextFailingSince, outOfServiceCauses } from './status';
import type { ServiceInputs } from './status';

const ok = { connection: 'connected', problem: null } as const;
const off = { connection: 'disconnected', problem: 'DEVICE_OFFLINE' } as const;
const none = { connection: 'not-configured', problem: 'NOT_CONFIGURED' } as const;
const printer = (p: DevicesStatus['printer']['problem'], connection: 'connected' | 'disconnected' = 'connected') => ({
  connection,
  problem: p,
  paperNearEnd: false,
  remainingReceipts: 100,
});

const healthy: DevicesStatus = { printer: printer(null), scanner: ok, magstripe: ok, mrz: ok };
const dead: DevicesStatus = { printer: printer('PAPER_OUT'), scanner: off, magstripe: off, mrz: off };
const MB = 1024 * 1024;
const base: ServiceInputs = {
  forced: false,
  message: null,
  integrityFailed: false,
  freeBytes: 1000 * MB,
  minFreeBytes: 200 * MB,
  devices: healthy,
  devicesFailingSince: null,
  deviceGraceMs: 60_000,
  now: 1_000_000,
};

describe('out-of-service causes', () => {
  it('serves when nothing is wrong', () => {
    expect(outOfServiceCauses(base)).toEqual([]);
    expect(kioskStatus([], null)).toEqual({ inService: true, outOfServiceReason: null });
  });

  it('stops below the disk threshold, and not when free space is unknown', () => {
    expect(outOfServiceCauses({ ...base, freeBytes: 199 * MB })).toEqual(['DISK_LOW']);
    expect(outOfServiceCauses({ ...base, freeBytes: null })).toEqual([]);
  });

  it('does not stop for one device: a printer out of paper still leaves the code on screen', () => {
    expect(everyDeviceFailing({ ...healthy, printer: printer('PAPER_OUT') })).toBe(false);
    expect(everyDeviceFailing({ ...dead, mrz: ok })).toBe(false);
  });

  it('stops when every configured device has been failing for the grace period, not before', () => {
    expect(everyDeviceFailing(dead)).toBe(true);
    const since = nextFailingSince(null, dead, base.now);
    expect(since).toBe(base.now);
    expect(outOfServiceCauses({ ...base, devices: dead, devicesFailingSince: since, now: base.now + 59_999 })).toEqual(
      [],
    );
    expect(outOfServiceCauses({ ...base, devices: dead, devicesFailingSince: since, now: base.now + 60_000 })).toEqual([
      'DEVICES',
    ]);
    // One device back resets the clock.
    expect(nextFailingSince(since, { ...dead, scanner: ok }, base.now + 70_000)).toBeNull();
  });

  it('never counts a kiosk with no device configured', () => {
    expect(
      everyDeviceFailing({
        printer: { ...none, paperNearEnd: false, remainingReceipts: 0 },
        scanner: none,
        magstripe: none,
        mrz: none,
      }),
    ).toBe(false);
  });

  it('puts the technician first, lists the other causes, and carries the message only when forced', () => {
    const causes = outOfServiceCauses({ ...base, forced: true, integrityFailed: true, freeBytes: 1 });
    expect(causes).toEqual(['TECHNICIAN', 'STORE_INTEGRITY', 'DISK_LOW']);
    expect(kioskStatus(causes, 'Torno alle 14')).toEqual({
      inService: false,
      outOfServiceReason: 'TECHNICIAN',
      otherReasons: ['STORE_INTEGRITY', 'DISK_LOW'],
      message: 'Torno alle 14',
    });
    expect(kioskStatus(['DISK_LOW'], 'stale note')).toEqual({ inService: false, outOfServiceReason: 'DISK_LOW' });
  });
});
