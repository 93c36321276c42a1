/**
 * Capped exponential backoff with full jitter (the AWS Architecture Blog's
 * "Exponential Backoff and Jitter"): the n-th consecutive retry waits a
 * uniformly random time in [0, min(cap, base · 2ⁿ)). Full jitter spreads a
 * fleet of kiosks that lost the hub together, so they do not come back in a
 * thundering herd when it returns.
 */
export type BackoffPolicy = {
  /** Upper bound of the first retry's wait. */
  baseMs: number;
  /** Upper bound of any wait. */
  capMs: number;
};

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 5 * 60_000 };

/** Beyond this, 2^attempt only overflows; the cap has long been reached for any sane base. */
const MAX_EXPONENT = 52;

/** The ceiling of the wait before retry number `attempt` (0 for the first retry). */
export function backoffCeiling(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be a non-negative integer`);
  if (!(policy.baseMs > 0) || !(policy.capMs >= policy.baseMs)) {
    throw new RangeError('backoff needs 0 < baseMs <= capMs');
  }
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, MAX_EXPONENT));
}

/**
 * The wait in ms before retry number `attempt`: `random() · min(cap, base · 2^attempt)`.
 * `random` is injected (STYLE.md 14) and must return a number in [0, 1).
 */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random() must be in [0, 1), got ${r}`);
  return Math.floor(r * backoffCeiling(attempt, policy));
}
