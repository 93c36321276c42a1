/**
 * Time, injected (STYLE.md 14): backoff, timeouts and polling read it from here so
 * tests drive them with vitest's fake timers or a hand-made clock, never by sleeping.
 */
/** Whatever the clock's setTimeout returns (a Node Timeout, a number for a hand-made clock). */
export type TimerHandle = object | number;

export type Clock = {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
};

/** The process clock. Looks the globals up on every call, so vi.useFakeTimers() also fakes it. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on the given clock. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
