import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** A key's window: how many attempts it holds and how long until the window ends. */
export interface WindowCount {
  count: number;
  /** Whole seconds until the window ends (at least 1). */
  endsInS: number;
}

/**
 * Fixed-window counters per key (an e-mail and address, a user, a gateway source), the same over both backends
 * (in memory, or in Redis and so shared by every process): the same limits and the same Retry-After.
 */
export interface Limiter {
  readonly limit: number;
  /**
   * Counts one attempt unless `key` is already at its limit: null when counted (`reward` gives it back), else the
   * seconds to wait. One atomic step, so N concurrent attempts let at most `limit` through.
   */
  consume(key: string): Promise<number | null>;
  /** Gives back one attempt counted by `consume`. */
  reward(key: string): Promise<void>;
  /** Seconds to wait when `key` is at its limit, else null. Counts nothing. */
  retryAfter(key: string): Promise<number | null>;
  /** Counts one attempt whatever the limit (a failure that already happened); answers the window after it. */
  penalty(key: string): Promise<WindowCount>;
  /** The window of `key`, or null when it has none. */
  peek(key: string): Promise<WindowCount | null>;
  /** Holds `key` at its limit for `seconds` (a back-off). */
  block(key: string, seconds: number): Promise<void>;
  /** Forgets `key`. */
  reset(key: string): Promise<void>;
}

/** A Limiter over rate-limiter-flexible (RateLimiterMemory, or RateLimiterRedis insured by a RateLimiterMemory). */
export class FlexibleLimiter implements Limiter {
  readonly limit: number;

  constructor(private readonly limiter: RateLimiterAbstract) {
    this.limit = limiter.points;
  }

  async consume(key: string): Promise<number | null> {
    try {
      await this.limiter.consume(key);
      return null;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return secondsOf(rejection.msBeforeNext);
      throw rejection;
    }
  }

  async reward(key: string): Promise<void> {
    await this.limiter.reward(key);
  }

  async retryAfter(key: string): Promise<number | null> {
    const window = await this.peek(key);
    return window !== null && window.count >= this.limit ? window.endsInS : null;
  }

  async penalty(key: string): Promise<WindowCount> {
    return windowOf(await this.limiter.penalty(key));
  }

  async peek(key: string): Promise<WindowCount | null> {
    const res = await this.limiter.get(key);
    return res === null || res.consumedPoints <= 0 ? null : windowOf(res);
  }

  async block(key: string, seconds: number): Promise<void> {
    await this.limiter.block(key, seconds);
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}

function windowOf(res: RateLimiterRes): WindowCount {
  return { count: res.consumedPoints, endsInS: secondsOf(res.msBeforeNext) };
}

function secondsOf(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
