import { Observable, type Subscription } from 'rxjs';
import type { Position, RecordedEvent } from './port.ts';

export interface CatchUpSource {
  /** One page strictly after `after`, in global order. */
  readPage(after: Position | null): Promise<RecordedEvent[]>;
  pageSize: number;
  /** Fires when new events may have become readable (a local append, a NOTIFY from another process). */
  wakeups: Observable<unknown>;
  /** Fallback poll while idle: covers wake-ups that cannot be signalled (e.g. a transaction that aborted). */
  pollIntervalMs: number;
}

/**
 * Catch-up then live, built on paged reads: read pages until one comes back short, then wait for a wake-up (or
 * the fallback poll) and read again. Every event is emitted once, in order, because the cursor only ever moves
 * to the position of an event already emitted.
 */
export function catchUpSubscription(source: CatchUpSource, after: Position | null): Observable<RecordedEvent> {
  return new Observable<RecordedEvent>((subscriber) => {
    let cursor = after;
    let stopped = false;
    let signalled = false;
    let wake: (() => void) | null = null;
    const wakeupSubscription: Subscription = source.wakeups.subscribe(() => {
      signalled = true;
      wake?.();
    });

    const waitForWakeup = () =>
      new Promise<void>((resolve) => {
        if (signalled || stopped) return resolve();
        const done = () => {
          clearTimeout(timeout);
          wake = null;
          resolve();
        };
        const timeout = setTimeout(done, source.pollIntervalMs);
        wake = done;
      });

    const run = async () => {
      while (!stopped) {
        signalled = false;
        const page = await source.readPage(cursor);
        for (const event of page) {
          if (stopped) return;
          subscriber.next(event);
          cursor = event.position;
        }
        if (page.length < source.pageSize) await waitForWakeup();
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
