/**
 * Reconnect delays: exponential backoff with "full jitter" (a uniformly random delay between 0 and the
 * exponential ceiling). Jitter spreads the reconnects of thousands of gateways after a cloud restart, so they
 * do not hammer the bridge in lock-step.
 */

export interface BackoffPolicy {
  /** Ceiling of the first retry's delay. */
  baseDelayMs: number;
  /** The ceiling never grows past this. */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF_POLICY: BackoffPolicy = { baseDelayMs: 500, maxDelayMs: 30_000 };

/** Past 2**30 the ceiling is far beyond any sane cap; stopping there keeps the arithmetic finite. */
const MAX_EXPONENT = 30;

/**
 * @param failedAttempts attempts that failed since the last successful session, minus one (0 for the first
 *   retry).
 * @param random a uniform [0, 1) source, injectable so tests can pin the jitter.
 */
export function fullJitterDelayMs(failedAttempts: number, policy: BackoffPolicy, random: () => number): number {
  const exponent = Math.min(Math.max(failedAttempts, 0), MAX_EXPONENT);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}
