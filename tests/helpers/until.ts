/**
 * Waits on a condition, never on a fixed time: polls `probe` until it answers
 * something truthy and returns that, or throws naming `what` after
 * `timeoutMs` (generous, for a loaded machine; a pass never waits it out).
 */
export async function until<T>(
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
