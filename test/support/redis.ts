import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { memoryLimiters, redisLimiters, type LimiterBackend } from '../../src/limits/limiter-backend.ts';

/** The Redis the shared-limit tests use (CI sets it; `.ci/run` starts Redis); unset: those tests are skipped. */
export const testRedisUrl = process.env.TEST_REDIS_URL;

/** A key prefix of its own per test (and so per test file): parallel files never share counters. */
export function freshRedisKeyPrefix(): string {
  return `test-${randomUUID()}`;
}

export interface LimiterBackendTarget {
  name: 'memory' | 'redis';
  /** Resolves once the backend answers (a Redis limiter before its connection is up would answer from memory). */
  open(): Promise<LimiterBackend>;
}

/** In memory always; in Redis too when TEST_REDIS_URL is set — the same tests must give the same answers. */
export function limiterBackendTargets(): LimiterBackendTarget[] {
  const targets: LimiterBackendTarget[] = [{ name: 'memory', open: async () => memoryLimiters() }];
  const url = testRedisUrl;
  if (url !== undefined) {
    targets.push({
      name: 'redis',
      open: async () => {
        const limits = redisLimiters({ url, keyPrefix: freshRedisKeyPrefix(), logger: pino({ level: 'silent' }) });
        if (!(await limits.ready(10_000))) throw new Error(`Redis at ${url} did not answer`);
        return limits;
      },
    });
  }
  return targets;
}
