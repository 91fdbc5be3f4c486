/**
 * Fixed-window counters per key (an e-mail, a client address). In memory, per process: with several app nodes
 * each enforces its own window. Bounded: expired windows are swept and the map never grows past `maxKeys`.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait when `key` is over its limit, else null. */
  retryAfter(key: string): number | null {
    const window = this.windows.get(key);
    if (!window || window.resetAt <= this.now() || window.count < this.limit) return null;
    return Math.max(1, Math.ceil((window.resetAt - this.now()) / 1000));
  }

  /** Counts one attempt (a failure, for logins). */
  hit(key: string): void {
    const now = this.now();
    const window = this.windows.get(key);
    if (window && window.resetAt > now) {
      window.count += 1;
      return;
    }
    if (this.windows.size >= this.maxKeys) this.sweep(now);
    this.windows.set(key, { count: 1, resetAt: now + this.windowMs });
  }

  /**
   * Check and count in one step (no await between them), so concurrent attempts cannot all pass a check made
   * before any of them was counted. Seconds to wait when `key` is already at its limit (nothing counted), else
   * null (one attempt counted; `refund` gives it back).
   */
  reserve(key: string): number | null {
    const limited = this.retryAfter(key);
    if (limited === null) this.hit(key);
    return limited;
  }

  /** Gives back one attempt counted by `reserve` (the attempt turned out not to be a failure). */
  refund(key: string): void {
    const window = this.windows.get(key);
    if (window && window.resetAt > this.now() && window.count > 0) window.count -= 1;
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    // Still full of live windows: drop the oldest entries rather than grow without bound.
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}
