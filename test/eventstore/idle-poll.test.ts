import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdlePoll } from '../../src/eventstore/idle-poll.ts';
import type { Position } from '../../src/eventstore/port.ts';
import { encodePosition } from '../../src/eventstore/position.ts';

const PERIOD_MS = 100;
const at = (n: number) => encodePosition(n, n);

/** A head the test sets, counting the reads. */
function scriptedHead(initial: Position | null | Error) {
  const head: { value: Position | null | Error; reads: number } = { value: initial, reads: 0 };
  const read = () => {
    head.reads++;
    return head.value instanceof Error ? Promise.reject(head.value) : Promise.resolve(head.value);
  };
  return { head, read };
}

describe('IdlePoll', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reads the head once per period for all waiters and wakes only those that have not read through it', async () => {
    const { head, read } = scriptedHead(at(5));
    const poll = new IdlePoll(read, PERIOD_MS);
    const woken: string[] = [];
    poll.whenHeadPasses(at(5), () => woken.push('caught up'));
    poll.whenHeadPasses(at(3), () => woken.push('behind'));
    poll.whenHeadPasses(null, () => woken.push('from the start'));

    await vi.advanceTimersByTimeAsync(PERIOD_MS);
    expect(head.reads).toBe(1);
    expect(woken).toEqual(['behind', 'from the start']);
    expect(poll.latestHead).toBe(at(5));

    await vi.advanceTimersByTimeAsync(PERIOD_MS * 3);
    expect(head.reads).toBe(4);
    expect(woken).toHaveLength(2);

    head.value = at(6);
    await vi.advanceTimersByTimeAsync(PERIOD_MS);
    expect(woken).toEqual(['behind', 'from the start', 'caught up']);
  });

  it('wakes nobody on an empty log', async () => {
    const { head, read } = scriptedHead(null);
    const poll = new IdlePoll(read, PERIOD_MS);
    const wake = vi.fn();
    poll.whenHeadPasses(null, wake);
    await vi.advanceTimersByTimeAsync(PERIOD_MS * 2);
    expect(head.reads).toBe(2);
    expect(wake).not.toHaveBeenCalled();
    expect(poll.latestHead).toBeNull();
  });

  it('wakes every waiter when the head read fails, so their own reads meet the failure', async () => {
    const { head, read } = scriptedHead(new Error('connection lost'));
    const poll = new IdlePoll(read, PERIOD_MS);
    const first = vi.fn();
    const second = vi.fn();
    poll.whenHeadPasses(at(9), first);
    poll.whenHeadPasses(null, second);
    await vi.advanceTimersByTimeAsync(PERIOD_MS);
    expect(head.reads).toBe(1);
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
    expect(poll.latestHead).toBeUndefined();
  });

  it('stops reading when nobody waits, and leaves no timer behind', async () => {
    const { head, read } = scriptedHead(at(1));
    const poll = new IdlePoll(read, PERIOD_MS);
    const cancel = poll.whenHeadPasses(at(1), () => {});
    await vi.advanceTimersByTimeAsync(PERIOD_MS);
    expect(head.reads).toBe(1);
    cancel();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(PERIOD_MS * 5);
    expect(head.reads).toBe(1);

    const wake = vi.fn();
    poll.whenHeadPasses(null, wake);
    await vi.advanceTimersByTimeAsync(PERIOD_MS);
    expect(head.reads).toBe(2);
    expect(wake).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
