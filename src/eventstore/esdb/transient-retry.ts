/**
 * Retries a call while EventStoreDB is in a transient state — unreachable, restarting, not ready, too busy, in a
 * leader election (NotLeader), or slow to commit (Timeout) — with capped exponential backoff, for at most
 * `totalMs` in all (default 10 s: longer than an election, which takes a few seconds). Every attempt runs under
 * its own deadline (call-deadline.ts), cut short so the total holds. When the total is spent the last transient
 * error is thrown; the caller maps it to EventStoreUnavailableError (503 in the API).
 *
 * Appends are safe to repeat, even after a Timeout that committed anyway: the event ids and the same expected
 * revision go with every attempt, and EventStoreDB acknowledges a write it already holds at that place as done
 * (idempotent append) instead of writing it twice.
 */
import { backoffDelay } from './backoff.ts';
import { withDeadline, type TrackRead } from './call-deadline.ts';
import { isTransientClientError } from './client-errors.ts';

export interface RetryPolicy {
  /** Upper bound on the whole call, attempts and pauses included. */
  totalMs: number;
  /** Deadline of one attempt (a read to its end, or one append). */
  attemptTimeoutMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  totalMs: 10_000,
  attemptTimeoutMs: 5_000,
  initialDelayMs: 50,
  maxDelayMs: 1_000,
};

export async function retryTransient<T>(
  what: string,
  policy: RetryPolicy,
  call: (track: TrackRead) => Promise<T>,
): Promise<T> {
  const started = Date.now();
  const backoff = { initialDelayMs: policy.initialDelayMs, maxDelayMs: policy.maxDelayMs, maxAttempts: Infinity };
  for (let attempt = 1; ; attempt++) {
    const remaining = policy.totalMs - (Date.now() - started);
    try {
      return await withDeadline(Math.max(1, Math.min(policy.attemptTimeoutMs, remaining)), what, call);
    } catch (error) {
      if (!isTransientClientError(error)) throw error;
      const pause = backoffDelay(attempt, backoff);
      if (Date.now() - started + pause >= policy.totalMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}
