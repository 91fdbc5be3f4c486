import { describe, expect, it } from 'vitest';
import { HandshakeThrottle, handshakeThrottleSettings } from '../../src/bridge/handshake-throttle.ts';

function throttle(failureLimit = 10) {
  let now = 1_000_000;
  const limiter = new HandshakeThrottle(handshakeThrottleSettings(failureLimit), () => now);
  return { limiter, advance: (ms: number) => (now += ms) };
}

const GATEWAY = '11111111-1111-4111-8111-111111111111';
const NEIGHBOUR = '22222222-2222-4222-8222-222222222222';

describe('bridge handshake limits (per source, never per gateway id alone)', () => {
  it('wrong-secret handshakes naming a gateway id never refuse that gateway at another address', () => {
    const { limiter } = throttle();
    for (let i = 0; i < 100; i++) limiter.failed('203.0.113.9', GATEWAY);
    expect(limiter.retryAfter('203.0.113.9', GATEWAY)).not.toBeNull();
    expect(limiter.retryAfter('198.51.100.7', GATEWAY)).toBeNull();
  });

  it('a failing source backs off with a growing delay, not a lockout, and is forgotten on success', () => {
    const { limiter, advance } = throttle(3);
    for (let i = 0; i < 3; i++) limiter.failed('203.0.113.9', GATEWAY);
    expect(limiter.retryAfter('203.0.113.9', GATEWAY)).toBeNull();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      limiter.failed('203.0.113.9', GATEWAY);
      delays.push(limiter.retryAfter('203.0.113.9', GATEWAY)!);
      advance(delays.at(-1)! * 1000);
      expect(limiter.retryAfter('203.0.113.9', GATEWAY)).toBeNull();
    }
    expect(delays).toEqual([1, 2, 4, 8, 16]);
    limiter.succeeded('203.0.113.9', GATEWAY);
    limiter.failed('203.0.113.9', GATEWAY);
    expect(limiter.retryAfter('203.0.113.9', GATEWAY)).toBeNull();
  });

  it('the back-off is capped at a minute and the source is forgotten after 15 quiet minutes', () => {
    const { limiter, advance } = throttle(1);
    for (let i = 0; i < 40; i++) limiter.failed('203.0.113.9', GATEWAY);
    expect(limiter.retryAfter('203.0.113.9', GATEWAY)).toBe(60);
    advance(15 * 60_000);
    limiter.failed('203.0.113.9', GATEWAY);
    expect(limiter.retryAfter('203.0.113.9', GATEWAY)).toBeNull();
  });

  it('failures from one address do not lock out other gateways behind it that present the right secret', () => {
    const { limiter } = throttle(10);
    // A noisy neighbour behind the same NAT: more failures than the per-address cap (100 a minute).
    for (let i = 0; i < 150; i++)
      limiter.failed('198.51.100.1', `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    // A gateway that has not failed from there is still checked; a repeat of a failed id or no id at all is not.
    expect(limiter.retryAfter('198.51.100.1', NEIGHBOUR)).toBeNull();
    expect(limiter.retryAfter('198.51.100.1', '00000000-0000-4000-8000-000000000001')).not.toBeNull();
    expect(limiter.retryAfter('198.51.100.1', null)).not.toBeNull();
  });

  it('a noisy address is noisy only until its window ends', () => {
    const { limiter, advance } = throttle(10);
    const ids = Array.from({ length: 100 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    // One failure each: no source is over its own free failures, only the address is over its cap.
    for (const id of ids) limiter.failed('198.51.100.1', id);
    expect(limiter.retryAfter('198.51.100.1', ids[0]!)).toBe(60);
    advance(60_000);
    expect(limiter.retryAfter('198.51.100.1', ids[0]!)).toBeNull();
  });
});
