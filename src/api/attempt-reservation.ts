import { rateLimited } from './http-error.ts';
import type { RateLimiter } from './rate-limiter.ts';

/** One limiter and the key an attempt counts against (an e-mail, a user id, a client address). */
export type LimitedKey = readonly [limiter: RateLimiter, key: string];

export interface AttemptReservation {
  /** The attempt was not a failure: give its counts back. */
  refund(): void;
}

/**
 * Counts an attempt against every key before the expensive check (scrypt) runs, and answers 429 when any key is
 * at its limit. Synchronous from the first check to the last count, so N concurrent attempts let at most `limit`
 * through — a check now and a count after the verification let every attempt in flight pass.
 */
export function reserveAttempt(keys: readonly LimitedKey[]): AttemptReservation {
  const reserved: LimitedKey[] = [];
  for (const [limiter, key] of keys) {
    const limited = limiter.reserve(key);
    if (limited !== null) {
      for (const [done, doneKey] of reserved) done.refund(doneKey);
      throw rateLimited(limited);
    }
    reserved.push([limiter, key]);
  }
  return {
    refund() {
      for (const [limiter, key] of reserved.splice(0)) limiter.refund(key);
    },
  };
}
