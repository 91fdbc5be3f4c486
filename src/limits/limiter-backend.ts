import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Logger } from '../logger.ts';
import { FlexibleLimiter, type Limiter } from './limiter.ts';

/** Makes the limiters of one process: in memory, or in Redis (shared by every process on the same Redis). */
export interface LimiterBackend {
  readonly shared: boolean;
  /** `name` is part of the key (`<prefix>:<name>:<key>`); `limit` attempts per `windowS` seconds. */
  limiter(name: string, limit: number, windowS: number): Limiter;
  /** Resolves true once the store answers, false after `timeoutMs` without it (the limits fail open meanwhile). */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export function memoryLimiters(): LimiterBackend {
  return {
    shared: false,
    limiter: (name, limit, windowS) =>
      new FlexibleLimiter(new RateLimiterMemory({ keyPrefix: name, points: limit, duration: windowS })),
    ready: async () => true,
    close: async () => {},
  };
}

export interface RedisLimiterOptions {
  url: string;
  /** Every key starts with it (several deployments, or parallel test files, on one Redis). */
  keyPrefix: string;
  logger: Logger;
  /** A command that takes longer fails over to memory (a hung Redis must not hold up logins). */
  commandTimeoutMs?: number;
}

/**
 * Limiters in Redis. When Redis is down or slow they fail open to an in-memory limiter of the same limits
 * (rate-limiter-flexible's insuranceLimiter), so a login never answers 500 for it: the limits hold per process
 * until Redis answers again. The outage and the recovery are logged once each, not per request.
 */
export function redisLimiters(options: RedisLimiterOptions): LimiterBackend {
  const client = new Redis(options.url, {
    // Fail at once while disconnected rather than queue: the insurance limiter answers instead.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 500,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
  });
  watchConnection(client, options.logger);
  return {
    shared: true,
    limiter(name, limit, windowS) {
      const keyPrefix = `${options.keyPrefix}:${name}`;
      return new FlexibleLimiter(
        new RateLimiterRedis({
          storeClient: client,
          keyPrefix,
          points: limit,
          duration: windowS,
          rejectIfRedisNotReady: true,
          insuranceLimiter: new RateLimiterMemory({ keyPrefix, points: limit, duration: windowS }),
        }),
      );
    },
    ready: (timeoutMs) => connected(client, timeoutMs),
    async close() {
      client.disconnect();
    },
  };
}

function watchConnection(client: Redis, logger: Logger): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.error(
      { err: error.message },
      'Redis for shared limits is unreachable: limits are per process until it is back',
    );
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('Redis for shared limits is back: limits are shared again');
  });
}

function connected(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('ready', onReady);
  });
}
