import { describe, expect, it } from 'vitest';
import { fullJitterDelayMs } from '../../src/edge/index.ts';
import { UnackedStateBuffer, type PendingStateFrame } from '../../src/edge/unacked-state-buffer.ts';
import { RecentCommandOutcomes } from '../../src/edge/recent-command-outcomes.ts';

describe('fullJitterDelayMs', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };

  it('draws uniformly below an exponential ceiling that stops at the cap', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 60].map((attempt) => fullJitterDelayMs(attempt, policy, () => 0.9999));
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999, 999]);
    expect(fullJitterDelayMs(3, policy, () => 0)).toBe(0);
    expect(fullJitterDelayMs(3, policy, () => 0.5)).toBe(400);
  });
});

describe('UnackedStateBuffer', () => {
  const frame = (requestId: string): PendingStateFrame => ({
    requestId,
    text: requestId,
    resolve: () => {},
    reject: () => {},
  });

  it('keeps send order, takes by request id, and evicts the oldest when full', () => {
    const buffer = new UnackedStateBuffer(2);
    expect(buffer.add(frame('a'))).toBeUndefined();
    expect(buffer.add(frame('b'))).toBeUndefined();
    expect(buffer.add(frame('c'))?.requestId).toBe('a');
    expect(buffer.inSendOrder().map((pending) => pending.requestId)).toEqual(['b', 'c']);
    expect(buffer.take('b')?.requestId).toBe('b');
    expect(buffer.take('b')).toBeUndefined();
    expect(buffer.takeAll().map((pending) => pending.requestId)).toEqual(['c']);
    expect(buffer.size).toBe(0);
  });

  it('refuses a capacity below one', () => {
    expect(() => new UnackedStateBuffer(0)).toThrow(RangeError);
  });
});

describe('RecentCommandOutcomes', () => {
  it('forgets the oldest commands beyond its capacity', () => {
    const outcomes = new RecentCommandOutcomes(2);
    outcomes.markRunning('a');
    outcomes.markDone('a', { status: 'ok' });
    outcomes.markRunning('b');
    outcomes.markRunning('c');
    expect(outcomes.get('a')).toBeUndefined();
    expect(outcomes.get('b')).toEqual({ state: 'running' });
    expect(outcomes.get('c')).toEqual({ state: 'running' });
  });
});
