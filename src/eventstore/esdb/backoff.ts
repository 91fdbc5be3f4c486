/** Capped exponential backoff with jitter, for resubscribing after a dropped subscription. */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Consecutive failed attempts after which the subscriber gets an error instead of another retry. */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 100, maxDelayMs: 5_000, maxAttempts: 12 };

/** Delay before retry number `attempt` (1-based): initial × 2^(attempt-1), capped, with ±20 % jitter. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponential = policy.initialDelayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(exponential, policy.maxDelayMs);
  return Math.round(capped * (0.8 + 0.4 * random()));
}
