import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { HandshakeThrottle, handshakeThrottleSettings } from '../../src/bridge/handshake-throttle.ts';
import { redisLimiters, type LimiterBackend } from '../../src/limits/limiter-backend.ts';
import { freshRedisKeyPrefix, limiterBackendTargets, testRedisUrl } from '../support/redis.ts';

const opened: LimiterBackend[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((limits) => limits.close()));
});

function keep(limits: LimiterBackend): LimiterBackend {
  opened.push(limits);
  return limits;
}

/** Retry-After of a fresh 60 s window: 60, or 59 when a second boundary passed before the store answered. */
const A_MINUTE = [59, 60];

// The same answers in memory and in Redis: the limits must not change with REDIS_URL.
describe.each(limiterBackendTargets())('limiter on the $name backend', (target) => {
  it('lets `limit` attempts through, then answers the Retry-After of the window', async () => {
    const limiter = keep(await target.open()).limiter('login', 3, 60);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await limiter.consume('a@example.com 203.0.113.9'));
    expect(answers.slice(0, 3)).toEqual([null, null, null]);
    expect(A_MINUTE).toContain(answers[3]);
    expect(A_MINUTE).toContain(await limiter.retryAfter('a@example.com 203.0.113.9'));
  });

  it('lets no more than `limit` concurrent attempts through', async () => {
    const limiter = keep(await target.open()).limiter('login', 5, 60);
    const answers = await Promise.all(Array.from({ length: 20 }, () => limiter.consume('key')));
    expect(answers.filter((answer) => answer === null)).toHaveLength(5);
  });

  it('a rewarded attempt is given back, a reset key starts over, and retryAfter counts nothing', async () => {
    const limiter = keep(await target.open()).limiter('login', 2, 60);
    await limiter.consume('key');
    await limiter.reward('key');
    for (let i = 0; i < 5; i++) expect(await limiter.retryAfter('key')).toBeNull();
    expect(await limiter.consume('key')).toBeNull();
    expect(await limiter.consume('key')).toBeNull();
    expect(await limiter.consume('key')).not.toBeNull();
    await limiter.reset('key');
    expect(await limiter.peek('key')).toBeNull();
    expect(await limiter.consume('key')).toBeNull();
  });

  it('penalty counts past the limit; block holds a key at its limit for its seconds', async () => {
    const limiter = keep(await target.open()).limiter('handshake', 2, 900);
    for (let i = 0; i < 3; i++) await limiter.penalty('source');
    expect((await limiter.peek('source'))?.count).toBe(3);
    await limiter.block('other', 60);
    expect(A_MINUTE).toContain(await limiter.retryAfter('other'));
  });

  it('keys of one limit never count against another limit or another key', async () => {
    const limits = keep(await target.open());
    const login = limits.limiter('login', 1, 60);
    const pairing = limits.limiter('pairing', 1, 60);
    expect(await login.consume('203.0.113.9')).toBeNull();
    expect(await pairing.consume('203.0.113.9')).toBeNull();
    expect(await login.consume('198.51.100.7')).toBeNull();
    expect(await login.consume('203.0.113.9')).not.toBeNull();
  });
});

describe.skipIf(testRedisUrl === undefined)('limits in Redis are shared', () => {
  const silent = pino({ level: 'silent' });

  async function sharedPair() {
    const keyPrefix = freshRedisKeyPrefix();
    const open = async () => {
      const limits = keep(redisLimiters({ url: testRedisUrl!, keyPrefix, logger: silent }));
      expect(await limits.ready(10_000)).toBe(true);
      return limits;
    };
    return [await open(), await open()] as const;
  }

  it('attempts counted by one process are seen by another on the same Redis and prefix', async () => {
    const [one, two] = await sharedPair();
    expect(await one.limiter('login', 2, 60).consume('key')).toBeNull();
    expect(await two.limiter('login', 2, 60).consume('key')).toBeNull();
    expect(A_MINUTE).toContain(await one.limiter('login', 2, 60).consume('key'));
    // Another prefix (another test, another deployment) shares nothing.
    const [other] = await sharedPair();
    expect(await other.limiter('login', 2, 60).consume('key')).toBeNull();
  });

  it('a handshake source backing off on one node backs off on the other', async () => {
    const [one, two] = await sharedPair();
    const settings = handshakeThrottleSettings(1);
    const [here, there] = [new HandshakeThrottle(settings, one), new HandshakeThrottle(settings, two)];
    const gatewayId = '11111111-1111-4111-8111-111111111111';
    // Failures recorded here (the back-off grows to its one-minute cap)…
    for (let i = 0; i < 10; i++) await here.failed('203.0.113.9', gatewayId);
    // …refuse the same source there, and nobody else.
    expect(A_MINUTE).toContain(await there.retryAfter('203.0.113.9', gatewayId));
    expect(await there.retryAfter('198.51.100.7', gatewayId)).toBeNull();
    await there.succeeded('203.0.113.9', gatewayId);
    expect(await here.retryAfter('203.0.113.9', gatewayId)).toBeNull();
  });
});

describe('limits whose Redis is unreachable', () => {
  it('fail open to a per-process limit with the same answers, and log the outage once (no 500)', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    // Port 1: nothing listens there.
    const limits = keep(
      redisLimiters({ url: 'redis://127.0.0.1:1', keyPrefix: freshRedisKeyPrefix(), logger: pino(sink) }),
    );
    expect(await limits.ready(300)).toBe(false);
    const limiter = limits.limiter('login', 2, 60);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await limiter.consume('key'));
    expect(answers.slice(0, 2)).toEqual([null, null]);
    expect(A_MINUTE).toContain(answers[2]);
    const outages = lines.filter((line) => line.includes('Redis for shared limits is unreachable'));
    expect(outages).toHaveLength(1);
  });
});
