import { describe, expect, it, vi } from 'vitest';
import type { Position } from '../../src/eventstore/port.ts';
import { encodePosition } from '../../src/eventstore/position.ts';
import { SharedRead } from '../../src/eventstore/shared-read.ts';

/** A store whose head reads the test answers by hand, recording when each started. */
function manualStore() {
  const reads: Array<{ resolve: (position: Position | null) => void; reject: (error: Error) => void }> = [];
  return {
    reads,
    headPosition: () =>
      new Promise<Position | null>((resolve, reject) => {
        reads.push({ resolve, reject });
      }),
  };
}
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('SharedRead', () => {
  it('answers a burst of callers with two reads, each caller with one that started after its call', async () => {
    const store = manualStore();
    const reader = new SharedRead(() => store.headPosition());
    const first = reader.get();
    const during = [reader.get(), reader.get(), reader.get()];
    expect(store.reads).toHaveLength(1);

    store.reads[0]!.resolve(encodePosition(1, 1));
    expect(await first).toBe(encodePosition(1, 1));
    await flush();
    // The callers that came while the first read ran get a read that began after them, not the first one's answer.
    expect(store.reads).toHaveLength(2);
    store.reads[1]!.resolve(encodePosition(2, 5));
    expect(await Promise.all(during)).toEqual([encodePosition(2, 5), encodePosition(2, 5), encodePosition(2, 5)]);

    const later = reader.get();
    expect(store.reads).toHaveLength(3);
    store.reads[2]!.resolve(encodePosition(3, 1));
    expect(await later).toBe(encodePosition(3, 1));
  });

  it('passes a failed read to its callers and keeps serving the next ones', async () => {
    const store = manualStore();
    const reader = new SharedRead(() => store.headPosition());
    const failing = reader.get();
    const waiting = reader.get();
    store.reads[0]!.reject(new Error('connection lost'));
    await expect(failing).rejects.toThrow('connection lost');
    await flush();
    store.reads[1]!.resolve(null);
    expect(await waiting).toBeNull();
  });

  it('answers `recent` callers from a read that started within the age they accept, and never from a failure', async () => {
    vi.useFakeTimers();
    try {
      const store = manualStore();
      const reader = new SharedRead(() => store.headPosition());
      const first = reader.recent(100);
      const joining = reader.recent(100);
      expect(store.reads).toHaveLength(1);
      store.reads[0]!.resolve(encodePosition(1, 1));
      expect(await Promise.all([first, joining])).toEqual([encodePosition(1, 1), encodePosition(1, 1)]);

      vi.advanceTimersByTime(60);
      expect(await reader.recent(100)).toBe(encodePosition(1, 1));
      expect(store.reads).toHaveLength(1);

      vi.advanceTimersByTime(60);
      const fresh = reader.recent(100);
      expect(store.reads).toHaveLength(2);
      store.reads[1]!.reject(new Error('connection lost'));
      await expect(fresh).rejects.toThrow('connection lost');
      // The failure is not an answer to reuse: the next caller gets a new read.
      const retried = reader.recent(100);
      expect(store.reads).toHaveLength(3);
      store.reads[2]!.resolve(encodePosition(2, 2));
      expect(await retried).toBe(encodePosition(2, 2));
    } finally {
      vi.useRealTimers();
    }
  });
});
