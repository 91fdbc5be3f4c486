import { Observable, type Subscription } from 'rxjs';
import type { Position, RecordedEvent } from './port.ts';
import { hasReached, maxPosition } from './position.ts';

export interface CatchUpSource {
  /** One page strictly after `after`, in global order. */
  readPage(after: Position | null): Promise<RecordedEvent[]>;
  pageSize: number;
  /**
   * Fires when new events may have become readable (a local append, a NOTIFY from another process). A position
   * says that an event this subscription wants committed at or after it (see AppendSignal.types).
   */
  wakeups: Observable<Position | null>;
  /** Fallback poll while idle: covers wake-ups that cannot be signalled (e.g. a transaction that aborted). */
  pollIntervalMs: number;
}

/** First re-read after a wake-up whose event was not readable yet; doubles up to the poll interval. */
const FIRST_RETRY_MS = 2;

/**
 * Catch-up then live, built on paged reads: read pages until one comes back short, then wait for a wake-up (or
 * the fallback poll) and read again. Every event is emitted once, in order, because the cursor only ever moves
 * to the position of an event already emitted. A wake-up that announced an event the read did not return yet (an
 * older transaction still holds the read horizon back) is retried after 2, 4, 8… ms rather than at the poll:
 * wake-ups are filtered, so no unrelated append comes to give it another chance.
 */
export function catchUpSubscription(source: CatchUpSource, after: Position | null): Observable<RecordedEvent> {
  return new Observable<RecordedEvent>((subscriber) => {
    let cursor = after;
    let stopped = false;
    let signalled = false;
    /** The highest announced position not read past yet. */
    let announced: Position | null = null;
    let retryMs = FIRST_RETRY_MS;
    let wake: (() => void) | null = null;
    const wakeupSubscription: Subscription = source.wakeups.subscribe((position) => {
      if (position !== null) announced = maxPosition(announced, position);
      signalled = true;
      wake?.();
    });

    const waitForWakeup = (ms: number) =>
      new Promise<void>((resolve) => {
        if (signalled || stopped) return resolve();
        const done = () => {
          clearTimeout(timeout);
          wake = null;
          resolve();
        };
        const timeout = setTimeout(done, ms);
        wake = done;
      });

    const idleWait = () => {
      if (announced !== null && hasReached(cursor, announced)) announced = null;
      if (announced === null) {
        retryMs = FIRST_RETRY_MS;
        return waitForWakeup(source.pollIntervalMs);
      }
      const wait = waitForWakeup(retryMs);
      retryMs = Math.min(retryMs * 2, source.pollIntervalMs);
      return wait;
    };

    const run = async () => {
      while (!stopped) {
        signalled = false;
        const page = await source.readPage(cursor);
        for (const event of page) {
          if (stopped) return;
          subscriber.next(event);
          cursor = event.position;
        }
        if (page.length < source.pageSize) await idleWait();
      }
    };
    run().catch((error: unknown) => {
      if (!stopped) subscriber.error(error);
    });

    return () => {
      stopped = true;
      wakeupSubscription.unsubscribe();
      wake?.();
    };
  });
}
