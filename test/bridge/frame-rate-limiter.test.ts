import { describe, expect, it } from 'vitest';
import { FrameRateLimiter, MAX_REPLY_CREDIT, type FrameAdmission } from '../../src/bridge/frame-rate-limiter.ts';

/** A limiter of `limit` frames per second on a clock the spec moves. */
function limiterAt(limit: number, graceWindows = 1) {
  const clock = { now: 0 };
  const limiter = new FrameRateLimiter(limit, graceWindows, () => clock.now);
  const admitMany = (count: number): FrameAdmission[] => Array.from({ length: count }, () => limiter.admit());
  return { clock, limiter, admitMany };
}

const admitted = (verdicts: FrameAdmission[]) => verdicts.filter((verdict) => verdict === 'admit').length;

describe('frame rate limiter', () => {
  it('admits the limit per second, warns once on the first frame over it, then drops silently', () => {
    const { admitMany } = limiterAt(5);
    expect(admitMany(8)).toEqual(['admit', 'admit', 'admit', 'admit', 'admit', 'drop_and_warn', 'drop', 'drop']);
  });

  it('closes a gateway that stays over the limit longer than the grace', () => {
    const { clock, admitMany } = limiterAt(5, 1);
    expect(admitMany(6).at(-1)).toBe('drop_and_warn');
    clock.now = 1000;
    expect(admitMany(6).at(-1)).toBe('close');
  });

  it('lets every answer the cloud asked for pass over the limit, uncounted', () => {
    const { limiter, admitMany } = limiterAt(5);
    for (let i = 0; i < 20; i++) limiter.expectReplies(1);
    // 5 within the limit, then the 20 replies the cloud asked for; the next frame is the first one over.
    expect(admitted(admitMany(25))).toBe(25);
    expect(limiter.admit()).toBe('drop_and_warn');
  });

  it('does not spend the credit while the second has room, and keeps it for a later burst', () => {
    const { clock, limiter, admitMany } = limiterAt(5);
    for (let i = 0; i < 3; i++) limiter.expectReplies(1);
    expect(admitted(admitMany(5))).toBe(5);
    clock.now = 1000;
    expect(admitted(admitMany(8))).toBe(8);
    expect(limiter.admit()).toBe('drop_and_warn');
  });

  it('credited frames do not count towards closing: a burst of replies is not a flood', () => {
    const { clock, limiter, admitMany } = limiterAt(5, 0);
    for (let i = 0; i < 50; i++) limiter.expectReplies(1);
    expect(admitted(admitMany(30))).toBe(30);
    clock.now = 1000;
    expect(admitted(admitMany(5))).toBe(5);
  });

  it('credits as many frames as the answer takes', () => {
    const { limiter, admitMany } = limiterAt(5);
    limiter.expectReplies(2);
    expect(admitted(admitMany(7))).toBe(7);
    expect(limiter.admit()).toBe('drop_and_warn');
  });

  it(`caps the credit at ${MAX_REPLY_CREDIT}: commands never answered do not build a budget for a flood`, () => {
    const { limiter, admitMany } = limiterAt(5);
    for (let i = 0; i < MAX_REPLY_CREDIT + 500; i++) limiter.expectReplies(1);
    expect(admitted(admitMany(5 + MAX_REPLY_CREDIT + 10))).toBe(5 + MAX_REPLY_CREDIT);
  });
});
