import { Observable, type Subscription } from 'rxjs';
import type { IdlePoll } from './idle-poll.ts';
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
  /**
   * The store's fallback poll while idle, shared by its subscriptions (idle-poll.ts): covers wake-ups that cannot
   * be signalled (a transaction that aborted, a NOTIFY lost during a reconnect).
   */
  idlePoll: IdlePoll;
}

/** First re-read after a wake-up whose event was not readable yet; doubles below the poll interval. */
const FIRST_RETRY_MS = 2;

/**
 * Catch-up then live, built on paged reads: read pages until one comes back short, then wait for a wake-up (or
 * the shared idle poll finding the head past what was read) and read again. Every event is emitted once, in order,
 * because the cursor only ever moves to the position of an event already emitted. A wake-up that announced an
 * event the read did not return yet (an older transaction still holds the read horizon back) is retried after 2,
 * 4, 8… ms below the poll interval, then left to the idle poll: wake-ups are filtered, so no unrelated append
 * comes to give it another chance, and the head moves past the subscription's reads as soon as the event is
 * readable.
 */
export function catchUpSubscription(source: CatchUpSource, after: Position | null): Observable<RecordedEvent> {
  return new Observable<RecordedEvent>((subscriber) => {
    let cursor = after;
    /** Everything up to here has been read (the cursor, or a head polled before the last short page). */
    let readThrough = after;
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

    /** Waits until `arm`'s trigger, a wake-up or the end, whichever comes first; `arm` returns its own disarm. */
    const sleepUntil = (arm: (done: () => void) => () => void) =>
      new Promise<void>((resolve) => {
        if (signalled || stopped) return resolve();
        let disarm: (() => void) | null = null;
        const done = () => {
          disarm?.();
          wake = null;
          resolve();
        };
        disarm = arm(done);
        wake = done;
      });

    const retryAfter = (ms: number) =>
      sleepUntil((done) => {
        const timeout = setTimeout(done, ms);
        return () => clearTimeout(timeout);
      });

    const idleWait = () => {
      if (announced !== null && hasReached(cursor, announced)) announced = null;
      if (announced !== null && retryMs < source.idlePoll.intervalMs) {
        const wait = retryAfter(retryMs);
        retryMs *= 2;
        return wait;
      }
      announced = null;
      retryMs = FIRST_RETRY_MS;
      return sleepUntil((done) => source.idlePoll.whenHeadPasses(readThrough, done));
    };

    const run = async () => {
      while (!stopped) {
        signalled = false;
        // Polled before this read starts, so a short page reads through it (see IdlePoll.latestHead).
        const headBefore = source.idlePoll.latestHead ?? null;
        const page = await source.readPage(cursor);
        for (const event of page) {
          if (stopped) return;
          subscriber.next(event);
          cursor = event.position;
        }
        if (page.length < source.pageSize) {
          readThrough = maxPosition(cursor, headBefore);
          await idleWait();
        }
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
