import type { Limiter } from '../limits/limiter.ts';
import { rateLimited } from './http-error.ts';

/** One limiter and the key an attempt counts against (an e-mail and address, a user id, a client address). */
export type LimitedKey = readonly [limiter: Limiter, key: string];

export interface AttemptReservation {
  /** The attempt was not a failure: give its counts back. */
  refund(): Promise<void>;
}

/**
 * Counts an attempt against every key before the expensive check (scrypt) runs, and answers 429 when any key is
 * at its limit. Each key is checked and counted in one atomic step (`consume`), so N concurrent attempts let at
 * most `limit` through — a check now and a count after the verification would let every attempt in flight pass.
 * When a later key refuses, the keys already counted are given back.
 */
export async function reserveAttempt(keys: readonly LimitedKey[]): Promise<AttemptReservation> {
  const reserved: LimitedKey[] = [];
  for (const [limiter, key] of keys) {
    const limited = await limiter.consume(key);
    if (limited !== null) {
      await refundAll(reserved);
      throw rateLimited(limited);
    }
    reserved.push([limiter, key]);
  }
  return { refund: () => refundAll(reserved.splice(0)) };
}

async function refundAll(keys: readonly LimitedKey[]): Promise<void> {
  await Promise.all(keys.map(([limiter, key]) => limiter.reward(key)));
}
