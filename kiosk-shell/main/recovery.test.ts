import { describe, expect, it } from 'vitest';
import { DEFAULT_RECOVERY_BUDGET, RESTART_REQUESTED, RecoveryPolicy } from './recovery';
import type { RecoveryBudget } from './recovery';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

const budget: RecoveryBudget = {
  maxRestarts: 3,
  windowMs: 10 * MINUTE,
  unresponsiveGraceMs: 10 * SECOND,
  fallbackRetryMs: 10 * MINUTE,
};

function policy(overrides: Partial<RecoveryBudget> = {}): RecoveryPolicy {
  return new RecoveryPolicy({ ...budget, ...overrides });
}

describe('RecoveryPolicy: renderer crashes', () => {
  it('reloads the renderer after a crash', () => {
    const p = policy();
    expect(p.decide({ kind: 'renderer-gone', at: 0, reason: 'crashed' })).toEqual({
      do: 'reload-renderer',
    });
  });

  it('reloads up to the budget and shows the fallback on the next crash in the window', () => {
    const p = policy();
    for (const at of [0, 1 * SECOND, 2 * SECOND]) {
      expect(p.decide({ kind: 'renderer-gone', at, reason: 'crashed' }).do).toBe('reload-renderer');
    }
    expect(p.decide({ kind: 'renderer-gone', at: 3 * SECOND, reason: 'oom' })).toEqual({
      do: 'show-fallback',
      reason: 'renderer-restarts-exhausted',
      retryAfterMs: 10 * MINUTE,
    });
  });

  it('forgets crashes older than the sliding window', () => {
    const p = policy();
    p.decide({ kind: 'renderer-gone', at: 0 });
    p.decide({ kind: 'renderer-gone', at: 5 * MINUTE });
    p.decide({ kind: 'renderer-gone', at: 9 * MINUTE });
    // The crash at 0 is exactly one window old at 10 min, so it no longer counts.
    expect(p.decide({ kind: 'renderer-gone', at: 10 * MINUTE }).do).toBe('reload-renderer');
    // 5, 9 and 10 min are all inside the window ending at 11 min.
    expect(p.decide({ kind: 'renderer-gone', at: 11 * MINUTE }).do).toBe('show-fallback');
  });

  it('ignores a renderer that exited cleanly', () => {
    const p = policy();
    expect(p.decide({ kind: 'renderer-gone', at: 0, reason: 'clean-exit' })).toEqual({ do: 'nothing' });
    expect(p.snapshot(0).restartsInWindow.renderer).toBe(0);
  });

  it('goes straight to the fallback when the budget is zero', () => {
    const p = policy({ maxRestarts: 0 });
    expect(p.decide({ kind: 'renderer-gone', at: 0, reason: 'crashed' }).do).toBe('show-fallback');
  });
});

describe('RecoveryPolicy: runtime crashes', () => {
  it('restarts the runtime after a crash', () => {
    const p = policy();
    expect(p.decide({ kind: 'runtime-gone', at: 0, reason: 'crashed' })).toEqual({
      do: 'restart-runtime',
    });
  });

  it('does nothing when the runtime exits cleanly because the app is quitting', () => {
    const p = policy();
    expect(p.decide({ kind: 'runtime-gone', at: 0, reason: 'clean-exit' })).toEqual({ do: 'nothing' });
    expect(p.snapshot(0).restartsInWindow.runtime).toBe(0);
  });

  it('shows the fallback when the runtime keeps crashing', () => {
    const p = policy();
    for (const at of [0, 100, 200]) {
      expect(p.decide({ kind: 'runtime-gone', at, reason: 'exit-code-1' }).do).toBe('restart-runtime');
    }
    expect(p.decide({ kind: 'runtime-gone', at: 300, reason: 'exit-code-1' })).toEqual({
      do: 'show-fallback',
      reason: 'runtime-restarts-exhausted',
      retryAfterMs: 10 * MINUTE,
    });
  });

  it("restarts the runtime at once for a technician's restart, without spending the crash budget", () => {
    const p = policy();
    for (const at of [0, 100, 200, 300, 400]) {
      expect(p.decide({ kind: 'runtime-gone', at, reason: RESTART_REQUESTED })).toEqual({ do: 'restart-runtime' });
    }
    expect(p.snapshot(400).restartsInWindow.runtime).toBe(0);
    // Real crashes still have their whole budget.
    for (const at of [500, 600, 700]) {
      expect(p.decide({ kind: 'runtime-gone', at, reason: 'exit-code-1' }).do).toBe('restart-runtime');
    }
    expect(p.decide({ kind: 'runtime-gone', at: 800, reason: 'exit-code-1' }).do).toBe('show-fallback');
  });

  it('treats a requested restart like any exit while the fallback shows', () => {
    const p = policy({ maxRestarts: 0 });
    expect(p.decide({ kind: 'renderer-gone', at: 0, reason: 'crashed' }).do).toBe('show-fallback');
    expect(p.decide({ kind: 'runtime-gone', at: 1, reason: RESTART_REQUESTED })).toEqual({ do: 'nothing' });
  });

  it('keeps separate budgets for the renderer and the runtime', () => {
    const p = policy();
    for (const at of [0, 1, 2]) p.decide({ kind: 'runtime-gone', at });
    expect(p.decide({ kind: 'renderer-gone', at: 3 }).do).toBe('reload-renderer');
    expect(p.snapshot(3).restartsInWindow).toEqual({ renderer: 1, runtime: 3 });
  });
});

describe('RecoveryPolicy: unresponsive renderer', () => {
  it('waits the grace period before deciding', () => {
    const p = policy();
    expect(p.decide({ kind: 'unresponsive', at: 0 })).toEqual({ do: 'wait', ms: 10 * SECOND });
  });

  it('does not reload a renderer that answered again within the grace period', () => {
    const p = policy();
    p.decide({ kind: 'unresponsive', at: 0 });
    expect(p.decide({ kind: 'responsive', at: 4 * SECOND })).toEqual({ do: 'nothing' });
    expect(p.decide({ kind: 'check', at: 10 * SECOND })).toEqual({ do: 'nothing' });
    expect(p.snapshot(10 * SECOND).restartsInWindow.renderer).toBe(0);
  });

  it('reloads a renderer still hung when the grace period is over, marking it hung', () => {
    const p = policy();
    p.decide({ kind: 'unresponsive', at: 0 });
    expect(p.decide({ kind: 'check', at: 10 * SECOND })).toEqual({ do: 'reload-renderer', hung: true });
    expect(p.snapshot(10 * SECOND).restartsInWindow.renderer).toBe(1);
  });

  it('answers an early check with the time still to wait', () => {
    const p = policy();
    p.decide({ kind: 'unresponsive', at: 0 });
    expect(p.decide({ kind: 'check', at: 3 * SECOND })).toEqual({ do: 'wait', ms: 7 * SECOND });
  });

  it('keeps the first hang time when unresponsive is reported again', () => {
    const p = policy();
    p.decide({ kind: 'unresponsive', at: 0 });
    expect(p.decide({ kind: 'unresponsive', at: 6 * SECOND })).toEqual({ do: 'wait', ms: 4 * SECOND });
  });

  it('does only one reload for one hang even if checked twice', () => {
    const p = policy();
    p.decide({ kind: 'unresponsive', at: 0 });
    expect(p.decide({ kind: 'check', at: 10 * SECOND }).do).toBe('reload-renderer');
    expect(p.decide({ kind: 'check', at: 11 * SECOND })).toEqual({ do: 'nothing' });
  });

  it('cancels a pending hang when the renderer crashes instead', () => {
    const p = policy();
    p.decide({ kind: 'unresponsive', at: 0 });
    expect(p.decide({ kind: 'renderer-gone', at: 2 * SECOND, reason: 'crashed' }).do).toBe('reload-renderer');
    expect(p.decide({ kind: 'check', at: 10 * SECOND })).toEqual({ do: 'nothing' });
  });

  it('counts hang reloads against the same budget as crashes', () => {
    const p = policy();
    p.decide({ kind: 'renderer-gone', at: 0 });
    p.decide({ kind: 'renderer-gone', at: 1 });
    p.decide({ kind: 'renderer-gone', at: 2 });
    p.decide({ kind: 'unresponsive', at: 3 });
    expect(p.decide({ kind: 'check', at: 3 + 10 * SECOND })).toMatchObject({
      do: 'show-fallback',
      reason: 'renderer-restarts-exhausted',
    });
  });

  it('answers a check with nothing when nothing is pending', () => {
    expect(policy().decide({ kind: 'check', at: 0 })).toEqual({ do: 'nothing' });
  });
});

describe('RecoveryPolicy: fallback and retry', () => {
  function exhaust(p: RecoveryPolicy, kind: 'renderer-gone' | 'runtime-gone', from = 0): void {
    for (let i = 0; i < budget.maxRestarts; i += 1) p.decide({ kind, at: from + i });
    expect(p.decide({ kind, at: from + budget.maxRestarts }).do).toBe('show-fallback');
  }

  it('ignores renderer trouble while the fallback page is shown', () => {
    const p = policy();
    exhaust(p, 'renderer-gone');
    expect(p.decide({ kind: 'renderer-gone', at: 10, reason: 'crashed' })).toEqual({ do: 'nothing' });
    expect(p.decide({ kind: 'unresponsive', at: 11 })).toEqual({ do: 'nothing' });
    expect(p.snapshot(11).inFallback).toBe(true);
  });

  it('keeps the runtime syncing while the renderer is in fallback', () => {
    const p = policy();
    exhaust(p, 'renderer-gone');
    expect(p.decide({ kind: 'runtime-gone', at: 10, reason: 'crashed' })).toEqual({
      do: 'restart-runtime',
    });
  });

  it('stops restarting the runtime during a fallback once its own budget is spent, and restarts it on retry', () => {
    const p = policy();
    exhaust(p, 'renderer-gone');
    for (const at of [10, 11, 12]) {
      expect(p.decide({ kind: 'runtime-gone', at }).do).toBe('restart-runtime');
    }
    expect(p.decide({ kind: 'runtime-gone', at: 13 })).toEqual({ do: 'nothing' });
    expect(p.decide({ kind: 'check', at: 3 + 10 * MINUTE })).toEqual({ do: 'restart-all' });
  });

  it('tells an early check how long the fallback still lasts', () => {
    const p = policy();
    exhaust(p, 'renderer-gone');
    expect(p.decide({ kind: 'check', at: 3 + 4 * MINUTE })).toEqual({ do: 'wait', ms: 6 * MINUTE });
  });

  it('reloads the renderer when the fallback caused by the renderer is over', () => {
    const p = policy();
    exhaust(p, 'renderer-gone');
    expect(p.decide({ kind: 'check', at: 3 + 10 * MINUTE })).toEqual({ do: 'reload-renderer' });
    expect(p.snapshot(3 + 10 * MINUTE).inFallback).toBe(false);
  });

  it('restarts the runtime and reloads the renderer when the fallback caused by the runtime is over', () => {
    const p = policy();
    exhaust(p, 'runtime-gone');
    expect(p.decide({ kind: 'check', at: 3 + 10 * MINUTE })).toEqual({ do: 'restart-all' });
  });

  it('ignores stale exits of a runtime that is already down during its fallback', () => {
    const p = policy();
    exhaust(p, 'runtime-gone');
    expect(p.decide({ kind: 'runtime-gone', at: 20 })).toEqual({ do: 'nothing' });
  });

  it('grants a fresh budget after the retry once old restarts have aged out', () => {
    const p = policy();
    exhaust(p, 'renderer-gone');
    const retry = 3 + 10 * MINUTE;
    expect(p.decide({ kind: 'check', at: retry }).do).toBe('reload-renderer');
    // The retry counts as one restart; two more fit before the next fallback.
    expect(p.decide({ kind: 'renderer-gone', at: retry + 1 }).do).toBe('reload-renderer');
    expect(p.decide({ kind: 'renderer-gone', at: retry + 2 }).do).toBe('reload-renderer');
    expect(p.decide({ kind: 'renderer-gone', at: retry + 3 }).do).toBe('show-fallback');
  });

  it('puts the retry on probation when the cool-down is shorter than the window', () => {
    const p = policy({ fallbackRetryMs: 1 * MINUTE });
    exhaust(p, 'renderer-gone');
    expect(p.decide({ kind: 'check', at: 3 + 1 * MINUTE }).do).toBe('reload-renderer');
    expect(p.decide({ kind: 'renderer-gone', at: 2 * MINUTE })).toEqual({
      do: 'show-fallback',
      reason: 'renderer-restarts-exhausted',
      retryAfterMs: 1 * MINUTE,
    });
  });

  // A renderer that dies one second after every start, driven for two hours;
  // returns when each start happened.
  function crashLoop(p: RecoveryPolicy): number[] {
    const starts: number[] = [];
    let checkAt: number | null = null;
    for (let at = 0; at < 120 * MINUTE; at += SECOND) {
      let action;
      if (checkAt !== null) {
        if (at < checkAt) continue; // the fallback page is up; nothing crashes
        checkAt = null;
        action = p.decide({ kind: 'check', at });
      } else {
        action = p.decide({ kind: 'renderer-gone', at, reason: 'crashed' });
      }
      if (action.do === 'reload-renderer') starts.push(at);
      if (action.do === 'show-fallback') checkAt = at + action.retryAfterMs;
    }
    return starts;
  }

  it.each([
    { fallbackRetryMs: 10 * MINUTE, bound: 4 },
    { fallbackRetryMs: 1 * MINUTE, bound: 13 },
  ])(
    'bounds a crash loop to maxRestarts plus one retry per cool-down in any window (cool-down $fallbackRetryMs ms)',
    ({ fallbackRetryMs, bound }) => {
      const starts = crashLoop(policy({ fallbackRetryMs }));
      const busiest = Math.max(...starts.map((s) => starts.filter((t) => t >= s && t < s + budget.windowMs).length));
      expect(busiest).toBeLessThanOrEqual(bound);
      // It keeps trying: the last hour still has restarts, the kiosk is not given up.
      expect(starts.some((t) => t > 60 * MINUTE)).toBe(true);
    },
  );
});

describe('RecoveryPolicy: budget', () => {
  it('defaults to three restarts in ten minutes and a ten-second grace', () => {
    expect(DEFAULT_RECOVERY_BUDGET).toMatchObject({
      maxRestarts: 3,
      windowMs: 10 * MINUTE,
      unresponsiveGraceMs: 10 * SECOND,
    });
  });

  it.each([
    { maxRestarts: -1 },
    { maxRestarts: 1.5 },
    { windowMs: 0 },
    { unresponsiveGraceMs: Number.NaN },
    { fallbackRetryMs: Number.POSITIVE_INFINITY },
  ])('refuses a nonsensical budget %o', (overrides) => {
    expect(() => policy(overrides)).toThrow(RangeError);
  });

  it('does not share restart counts between instances', () => {
    const a = policy({ maxRestarts: 1 });
    const b = policy({ maxRestarts: 1 });
    a.decide({ kind: 'renderer-gone', at: 0 });
    expect(b.decide({ kind: 'renderer-gone', at: 0 }).do).toBe('reload-renderer');
  });
});
