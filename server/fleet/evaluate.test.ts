import { describe, expect, it } from 'vitest';
import type { HeartbeatRequest } from '../../sync/protocol';
import { DEFAULT_THRESHOLDS, alertCauses, kioskHealth, paperState, planAlerts } from './evaluate';
import type { KioskHealthInput } from './evaluate';

const T0 = Date.parse('2026-03-10T08:00:00Z');
const MINUTE = 60_000;

function heartbeat(overrides: Partial<HeartbeatRequest> = {}): HeartbeatRequest {
  return {
    devices: [{ device: 'printer', state: 'ok', code: null }],
    queueDepth: 0,
    oldestQueuedAgeMs: null,
    versions: { app: '0.1.0', catalogs: {} },
    uptimeS: 10,
    ...overrides,
  };
}

function causesAt(now: number, input: Partial<KioskHealthInput> = {}) {
  const full: KioskHealthInput = { enrolledAt: T0 - MINUTE, lastHeartbeatAt: T0, heartbeat: heartbeat(), ...input };
  return alertCauses(full, kioskHealth(full, now, DEFAULT_THRESHOLDS), now, DEFAULT_THRESHOLDS).map((c) => c.kind);
}

describe('kiosk health', () => {
  it('is online while the last heartbeat is younger than three heartbeat intervals', () => {
    const input = { enrolledAt: T0, lastHeartbeatAt: T0, heartbeat: heartbeat() };
    expect(kioskHealth(input, T0 + 3 * MINUTE - 1, DEFAULT_THRESHOLDS).online).toBe(true);
    expect(kioskHealth(input, T0 + 3 * MINUTE, DEFAULT_THRESHOLDS).online).toBe(false);
    expect(kioskHealth({ ...input, lastHeartbeatAt: null, heartbeat: null }, T0, DEFAULT_THRESHOLDS).online).toBe(
      false,
    );
  });

  it('reads the paper from the heartbeat, or from the printer code of an older kiosk', () => {
    expect(paperState(heartbeat({ paper: { nearEnd: true, remainingReceipts: 12 } }))).toBe('near-end');
    expect(paperState(heartbeat({ devices: [{ device: 'printer', state: 'warning', code: 'PAPER_LOW' }] }))).toBe(
      'near-end',
    );
    expect(paperState(heartbeat({ devices: [{ device: 'printer', state: 'error', code: 'PAPER_OUT' }] }))).toBe('out');
    expect(paperState(heartbeat({ devices: [] }))).toBe('unknown');
    expect(paperState(heartbeat())).toBe('ok');
  });

  it('ages the oldest queued request by the time since the heartbeat', () => {
    const input = {
      enrolledAt: T0,
      lastHeartbeatAt: T0,
      heartbeat: heartbeat({ queueDepth: 2, oldestQueuedAgeMs: 1000 }),
    };
    expect(kioskHealth(input, T0 + 5000, DEFAULT_THRESHOLDS).oldestQueuedAgeMs).toBe(6000);
  });
});

describe('alert causes', () => {
  it('holds offline from 15 minutes of silence, counting from enrollment when there was no heartbeat', () => {
    expect(causesAt(T0 + 15 * MINUTE - 1)).toEqual([]);
    expect(causesAt(T0 + 15 * MINUTE)).toEqual(['offline']);
    expect(causesAt(T0 + 14 * MINUTE, { lastHeartbeatAt: null, heartbeat: null })).toEqual(['offline']);
  });

  it('holds paper on the near-end sensor, paper out, or few estimated receipts left', () => {
    expect(causesAt(T0, { heartbeat: heartbeat({ paper: { nearEnd: false, remainingReceipts: 31 } }) })).toEqual([]);
    expect(causesAt(T0, { heartbeat: heartbeat({ paper: { nearEnd: false, remainingReceipts: 30 } }) })).toEqual([
      'paper',
    ]);
    expect(causesAt(T0, { heartbeat: heartbeat({ paper: { nearEnd: true, remainingReceipts: null } }) })).toEqual([
      'paper',
    ]);
    // Paper out is the paper alert's business, not a device error.
    expect(
      causesAt(T0, { heartbeat: heartbeat({ devices: [{ device: 'printer', state: 'error', code: 'PAPER_OUT' }] }) }),
    ).toEqual(['paper']);
  });

  it('holds backlog when the oldest queued request is an hour old', () => {
    const queued = (age: number) => heartbeat({ queueDepth: 3, oldestQueuedAgeMs: age });
    expect(causesAt(T0, { heartbeat: queued(60 * MINUTE - 1) })).toEqual([]);
    expect(causesAt(T0, { heartbeat: queued(60 * MINUTE) })).toEqual(['backlog']);
    expect(causesAt(T0, { heartbeat: heartbeat({ queueDepth: 0, oldestQueuedAgeMs: 99 * MINUTE }) })).toEqual([]);
  });

  it('holds device-error for a reader or printer in error or offline, not for one not configured', () => {
    const devices = (state: 'error' | 'offline' | 'not-configured' | 'warning') =>
      heartbeat({ devices: [{ device: 'mrz', state, code: state === 'error' ? 'DEVICE_TIMEOUT' : null }] });
    expect(causesAt(T0, { heartbeat: devices('error') })).toEqual(['device-error']);
    expect(causesAt(T0, { heartbeat: devices('offline') })).toEqual(['device-error']);
    expect(causesAt(T0, { heartbeat: devices('not-configured') })).toEqual([]);
    expect(causesAt(T0, { heartbeat: devices('warning') })).toEqual([]);
  });
});

describe('planning alerts', () => {
  const paper = { kind: 'paper' as const, detail: { paper: 'near-end', remainingReceipts: 20 } };
  const offline = { kind: 'offline' as const, detail: { since: 'x' } };

  it('opens one alert per cause kind that has none open', () => {
    expect(planAlerts([], [paper, offline])).toEqual({ open: [paper, offline], clear: [], update: [] });
  });

  it('does not open a second alert while one of the kind is open (de-duplication)', () => {
    const open = [{ id: 'a1', kind: 'paper' as const, detail: JSON.stringify(paper.detail) }];
    expect(planAlerts(open, [paper])).toEqual({ open: [], clear: [], update: [] });
  });

  it('clears an open alert whose cause no longer holds, acknowledged or not', () => {
    const open = [{ id: 'a1', kind: 'paper' as const, detail: null }];
    expect(planAlerts(open, [])).toEqual({ open: [], clear: ['a1'], update: [] });
  });

  it('updates the detail of an open alert whose cause changed (near end became out)', () => {
    const open = [{ id: 'a1', kind: 'paper' as const, detail: JSON.stringify(paper.detail) }];
    const out = { kind: 'paper' as const, detail: { paper: 'out', remainingReceipts: 0 } };
    expect(planAlerts(open, [out])).toEqual({
      open: [],
      clear: [],
      update: [{ id: 'a1', detail: JSON.stringify(out.detail) }],
    });
  });

  it('clears duplicates if two were ever open, keeping the first', () => {
    const open = [
      { id: 'a1', kind: 'paper' as const, detail: JSON.stringify(paper.detail) },
      { id: 'a2', kind: 'paper' as const, detail: JSON.stringify(paper.detail) },
    ];
    expect(planAlerts(open, [paper])).toEqual({ open: [], clear: ['a2'], update: [] });
  });
});
