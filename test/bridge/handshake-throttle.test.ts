import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HandshakeThrottle, handshakeThrottleSettings } from '../../src/bridge/handshake-throttle.ts';
import { memoryLimiters } from '../../src/limits/limiter-backend.ts';

// In memory, with the clock faked: the windows and back-offs end when the fake time passes them. The same throttle
// over Redis (shared by two servers) is covered in test/limits/shared-limits.test.ts.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function throttle(failureLimit = 10) {
  const limiter = new HandshakeThrottle(handshakeThrottleSettings(failureLimit), memoryLimiters());
  return { limiter, advance: (ms: number) => vi.advanceTimersByTime(ms) };
}

const GATEWAY = '11111111-1111-4111-8111-111111111111';
const NEIGHBOUR = '22222222-2222-4222-8222-222222222222';

async function failTimes(limiter: HandshakeThrottle, times: number, address: string, gatewayId: string | null) {
  for (let i = 0; i < times; i++) await limiter.failed(address, gatewayId);
}

describe('bridge handshake limits (per source, never per gateway id alone)', () => {
  it('wrong-secret handshakes naming a gateway id never refuse that gateway at another address', async () => {
    const { limiter } = throttle();
    await failTimes(limiter, 100, '203.0.113.9', GATEWAY);
    expect(await limiter.retryAfter('203.0.113.9', GATEWAY)).not.toBeNull();
    expect(await limiter.retryAfter('198.51.100.7', GATEWAY)).toBeNull();
  });

  it('a failing source backs off with a growing delay, not a lockout, and is forgotten on success', async () => {
    const { limiter, advance } = throttle(3);
    await failTimes(limiter, 3, '203.0.113.9', GATEWAY);
    expect(await limiter.retryAfter('203.0.113.9', GATEWAY)).toBeNull();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      await limiter.failed('203.0.113.9', GATEWAY);
      delays.push((await limiter.retryAfter('203.0.113.9', GATEWAY))!);
      advance(delays.at(-1)! * 1000);
      expect(await limiter.retryAfter('203.0.113.9', GATEWAY)).toBeNull();
    }
    expect(delays).toEqual([1, 2, 4, 8, 16]);
    await limiter.succeeded('203.0.113.9', GATEWAY);
    await limiter.failed('203.0.113.9', GATEWAY);
    expect(await limiter.retryAfter('203.0.113.9', GATEWAY)).toBeNull();
  });

  it('the back-off is capped at a minute and the source is forgotten 15 minutes after its first failure', async () => {
    const { limiter, advance } = throttle(1);
    await failTimes(limiter, 40, '203.0.113.9', GATEWAY);
    expect(await limiter.retryAfter('203.0.113.9', GATEWAY)).toBe(60);
    advance(15 * 60_000);
    await limiter.failed('203.0.113.9', GATEWAY);
    expect(await limiter.retryAfter('203.0.113.9', GATEWAY)).toBeNull();
  });

  it('failures from one address do not lock out other gateways behind it that present the right secret', async () => {
    const { limiter } = throttle(10);
    // A noisy neighbour behind the same NAT: more failures than the per-address cap (100 a minute).
    for (let i = 0; i < 150; i++)
      await limiter.failed('198.51.100.1', `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    // A gateway that has not failed from there is still checked; a repeat of a failed id or no id at all is not.
    expect(await limiter.retryAfter('198.51.100.1', NEIGHBOUR)).toBeNull();
    expect(await limiter.retryAfter('198.51.100.1', '00000000-0000-4000-8000-000000000001')).not.toBeNull();
    expect(await limiter.retryAfter('198.51.100.1', null)).not.toBeNull();
  });

  it('a noisy address is noisy only until its window ends', async () => {
    const { limiter, advance } = throttle(10);
    const ids = Array.from({ length: 100 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    // One failure each: no source is over its own free failures, only the address is over its cap.
    for (const id of ids) await limiter.failed('198.51.100.1', id);
    expect(await limiter.retryAfter('198.51.100.1', ids[0]!)).toBe(60);
    advance(60_000);
    expect(await limiter.retryAfter('198.51.100.1', ids[0]!)).toBeNull();
  });
});
