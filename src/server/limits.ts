import type { Config } from '../config.ts';
import { memoryLimiters, redisLimiters, type LimiterBackend } from '../limits/limiter-backend.ts';
import type { Logger } from '../logger.ts';

/** How long start-up waits for Redis before it goes on with per-process limits (fail open; logged). */
const REDIS_START_WAIT_MS = 3000;

/**
 * The limits of this process: shared through Redis when REDIS_URL is set, else in memory. An unreachable Redis
 * does not stop the server: limits are per process until it answers (see limits/limiter-backend.ts).
 */
export async function openLimiters(config: Config, logger: Logger): Promise<LimiterBackend> {
  if (config.REDIS_URL === undefined) return memoryLimiters();
  const limits = redisLimiters({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, logger });
  if (await limits.ready(REDIS_START_WAIT_MS)) {
    logger.info({ key_prefix: config.REDIS_KEY_PREFIX }, 'limits are shared through Redis');
  }
  return limits;
}
