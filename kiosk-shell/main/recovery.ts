/**
 * Crash-recovery policy for the two processes the main process supervises: the
 * renderer (the touch UI) and the runtime (store, devices, sync). Pure: events
 * carry their own timestamp and the answer is an action for `main.ts` to carry
 * out, so every path is tested with plain numbers instead of real crashes.
 *
 * Rules:
 * - Each component may be restarted `maxRestarts` times within a sliding
 *   `windowMs`. A failure beyond that shows the static fallback page instead of
 *   restarting, so a crash loop cannot flicker the screen or grind the disk.
 * - `unresponsive` starts a grace period (`wait`); `responsive` cancels it. When
 *   the caller reports `check` after the grace period and the renderer is still
 *   hung, it is reloaded, and that reload counts against the renderer's budget.
 * - An exit with reason `clean-exit` was asked for (the app is quitting): nothing.
 * - An exit with reason `restart-requested` (a technician's restart) starts the
 *   runtime again at once without spending its budget: it is not a failure. While
 *   the fallback page shows it is treated like any other exit.
 * - While the fallback page shows, the runtime keeps being restarted within its
 *   own budget when the renderer was the cause, because queued requests must
 *   still reach the hub while the screen is out of service.
 * - The fallback is not permanent: `show-fallback` says when to `check` again,
 *   and the check after `fallbackRetryMs` restarts whatever was down. Nothing
 *   resets the counts; restarts simply age out of the window. So when
 *   `fallbackRetryMs` is shorter than `windowMs` the retry is on probation (the
 *   next failure goes straight back to the fallback). In a persistent crash
 *   loop a component is started at most `maxRestarts` times per window plus
 *   one retry per `fallbackRetryMs`, and recovery is never given up for good.
 */

export type Component = 'renderer' | 'runtime';

export type RecoveryEvent =
  | { kind: 'renderer-gone'; at: number; reason?: string }
  | { kind: 'runtime-gone'; at: number; reason?: string }
  | { kind: 'unresponsive'; at: number }
  | { kind: 'responsive'; at: number }
  /** A `wait` or `retryAfterMs` the policy asked for has elapsed (early or repeated calls are safe). */
  | { kind: 'check'; at: number };

export type FallbackReason = 'renderer-restarts-exhausted' | 'runtime-restarts-exhausted';

export type RecoveryAction =
  /** Load the app page afresh; `hung` means the old renderer must be killed first. */
  | { do: 'reload-renderer'; hung?: true }
  /** Start a new runtime and hand the loaded page a port to it. */
  | { do: 'restart-runtime' }
  /** Leave the fallback page: start a new runtime, then load the app page afresh. */
  | { do: 'restart-all' }
  /** Show the out-of-service page; report `check` after `retryAfterMs`. */
  | { do: 'show-fallback'; reason: FallbackReason; retryAfterMs: number }
  /** Report `check` after `ms`. */
  | { do: 'wait'; ms: number }
  | { do: 'nothing' };

export interface RecoveryBudget {
  /** Restarts allowed per component within `windowMs`. */
  maxRestarts: number;
  windowMs: number;
  /** How long a hung renderer gets to answer again before it is reloaded. */
  unresponsiveGraceMs: number;
  /** How long the fallback page stays before recovery is tried again. */
  fallbackRetryMs: number;
}

export const DEFAULT_RECOVERY_BUDGET: Readonly<RecoveryBudget> = {
  maxRestarts: 3,
  windowMs: 10 * 60_000,
  unresponsiveGraceMs: 10_000,
  fallbackRetryMs: 10 * 60_000,
};

const CLEAN_EXIT = 'clean-exit';
/** The runtime closed itself for a technician's restart (exit code RESTART_EXIT_CODE). */
export const RESTART_REQUESTED = 'restart-requested';

interface FallbackState {
  retryAt: number;
  /** Components that must be started again when the fallback is left. */
  down: Set<Component>;
}

export interface RecoverySnapshot {
  inFallback: boolean;
  hungSince: number | null;
  restartsInWindow: Record<Component, number>;
}

export class RecoveryPolicy {
  private readonly budget: RecoveryBudget;
  private readonly restarts: Record<Component, number[]> = { renderer: [], runtime: [] };
  private hungSince: number | null = null;
  private fallback: FallbackState | null = null;

  constructor(budget: RecoveryBudget = DEFAULT_RECOVERY_BUDGET) {
    assertBudget(budget);
    this.budget = { ...budget };
  }

  /** The one action to take for `event`. */
  decide(event: RecoveryEvent): RecoveryAction {
    switch (event.kind) {
      case 'renderer-gone':
        return this.onRendererGone(event.at, event.reason);
      case 'runtime-gone':
        return this.onRuntimeGone(event.at, event.reason);
      case 'unresponsive':
        return this.onUnresponsive(event.at);
      case 'responsive':
        this.hungSince = null;
        return NOTHING;
      case 'check':
        return this.onCheck(event.at);
      default:
        return assertNever(event);
    }
  }

  /** Counts for logs and tests; restarts are counted as of `at`. */
  snapshot(at: number): RecoverySnapshot {
    return {
      inFallback: this.fallback !== null,
      hungSince: this.hungSince,
      restartsInWindow: {
        renderer: this.recentRestarts('renderer', at).length,
        runtime: this.recentRestarts('runtime', at).length,
      },
    };
  }

  private onRendererGone(at: number, reason: string | undefined): RecoveryAction {
    if (reason === CLEAN_EXIT) return NOTHING;
    this.hungSince = null;
    // The fallback page itself died: the scheduled retry reloads the renderer
    // anyway, and restarting a page that cannot even render static HTML would loop.
    if (this.fallback) return NOTHING;
    return this.restartOrFallback('renderer', at);
  }

  private onRuntimeGone(at: number, reason: string | undefined): RecoveryAction {
    if (reason === CLEAN_EXIT) return NOTHING;
    if (reason === RESTART_REQUESTED && !this.fallback) return { do: 'restart-runtime' };
    if (this.fallback) {
      if (this.fallback.down.has('runtime')) return NOTHING;
      if (this.tryRecordRestart('runtime', at)) return { do: 'restart-runtime' };
      this.fallback.down.add('runtime');
      return NOTHING;
    }
    return this.restartOrFallback('runtime', at);
  }

  private onUnresponsive(at: number): RecoveryAction {
    if (this.fallback) return NOTHING;
    if (this.hungSince === null) this.hungSince = at;
    return this.onCheck(at);
  }

  private onCheck(at: number): RecoveryAction {
    if (this.fallback) {
      const remaining = this.fallback.retryAt - at;
      if (remaining > 0) return { do: 'wait', ms: remaining };
      return this.leaveFallback(at);
    }
    if (this.hungSince !== null) {
      const remaining = this.hungSince + this.budget.unresponsiveGraceMs - at;
      if (remaining > 0) return { do: 'wait', ms: remaining };
      this.hungSince = null;
      const action = this.restartOrFallback('renderer', at);
      return action.do === 'reload-renderer' ? { do: 'reload-renderer', hung: true } : action;
    }
    return NOTHING;
  }

  private restartOrFallback(component: Component, at: number): RecoveryAction {
    if (this.tryRecordRestart(component, at)) {
      return component === 'renderer' ? { do: 'reload-renderer' } : { do: 'restart-runtime' };
    }
    this.hungSince = null;
    this.fallback = { retryAt: at + this.budget.fallbackRetryMs, down: new Set([component]) };
    return {
      do: 'show-fallback',
      reason: component === 'renderer' ? 'renderer-restarts-exhausted' : 'runtime-restarts-exhausted',
      retryAfterMs: this.budget.fallbackRetryMs,
    };
  }

  private leaveFallback(at: number): RecoveryAction {
    const down = this.fallback?.down ?? new Set<Component>();
    this.fallback = null;
    // The retry is itself a restart, recorded without asking the budget: the
    // budget is why we are here, and the cool-down has already been served.
    for (const component of down) this.recentRestarts(component, at).push(at);
    // The renderer is always reloaded, because it is showing the fallback page.
    return down.has('runtime') ? { do: 'restart-all' } : { do: 'reload-renderer' };
  }

  private tryRecordRestart(component: Component, at: number): boolean {
    const recent = this.recentRestarts(component, at);
    if (recent.length >= this.budget.maxRestarts) return false;
    recent.push(at);
    return true;
  }

  /** The component's restarts still inside the window ending at `at` (pruned in place). */
  private recentRestarts(component: Component, at: number): number[] {
    const since = at - this.budget.windowMs;
    const kept = this.restarts[component].filter((t) => t > since);
    this.restarts[component] = kept;
    return kept;
  }
}

// Frozen because the same object is handed out for every no-op answer.
const NOTHING: RecoveryAction = Object.freeze({ do: 'nothing' });

function assertBudget(budget: RecoveryBudget): void {
  const { maxRestarts, windowMs, unresponsiveGraceMs, fallbackRetryMs } = budget;
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) {
    throw new RangeError(`maxRestarts must be a non-negative integer, got ${maxRestarts}`);
  }
  for (const [name, value] of Object.entries({ windowMs, unresponsiveGraceMs, fallbackRetryMs })) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
    }
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled recovery event: ${JSON.stringify(value)}`);
}
