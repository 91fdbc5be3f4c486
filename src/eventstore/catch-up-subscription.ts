import { Observable, type Subscription } from 'rxjs';
import type { AllFilter, Position, RecordedEvent } from './port.ts';
import { wakeupConcerns, type Wakeup } from './wakeup.ts';

export interface CatchUpSource {
  /** One page strictly after `after`, in global order. */
  readPage(after: Position | null): Promise<RecordedEvent[]>;
  pageSize: number;
  /** Fires when new events may have become readable (a local append, a NOTIFY from another process). */
  wakeups: Observable<Wakeup>;
  /** The subscriber's filter: wake-ups about events it cannot match are ignored. */
  filter?: AllFilter;
  /** Fallback poll while idle: covers wake-ups that cannot be signalled (e.g. a transaction that aborted). */
  pollIntervalMs: number;
}

/** First re-read after a wake-up whose append was still hidden; doubles up to the poll interval. */
const FIRST_RETRY_MS = 2;

/**
 * Catch-up then live, built on paged reads: read pages until one comes back short, then wait for a wake-up (or
 * the fallback poll) and read again. Every event is emitted once, in order, because the cursor only ever moves
 * to the position of an event already emitted.
 *
 * Wake-ups are filtered by what they carry, so a subscriber only reads when an append may concern it. Since such
 * a wake-up may be the only one for a while, a subscriber that read too early (the append committed but is still
 * below the readers' horizon) re-reads after a short, growing delay until its cursor passes the append.
 */
export function catchUpSubscription(source: CatchUpSource, after: Position | null): Observable<RecordedEvent> {
  return new Observable<RecordedEvent>((subscriber) => {
    let cursor = after;
    let stopped = false;
    let signalled = false;
    /** The latest concerning append not yet read past (its `notBefore`). */
    let pending: Position | null = null;
    let wake: (() => void) | null = null;
    const wakeupSubscription: Subscription = source.wakeups.subscribe((wakeup) => {
      if (!wakeupConcerns(source.filter, wakeup)) return;
      if (wakeup.notBefore !== undefined && (pending === null || wakeup.notBefore > pending)) pending = wakeup.notBefore;
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

    const run = async () => {
      let retryMs = FIRST_RETRY_MS;
      while (!stopped) {
        signalled = false;
        const page = await source.readPage(cursor);
        for (const event of page) {
          if (stopped) return;
          subscriber.next(event);
          cursor = event.position;
        }
        if (page.length >= source.pageSize) continue;
        if (pending !== null && (cursor === null || cursor < pending)) {
          await waitForWakeup(retryMs);
          retryMs = Math.min(retryMs * 2, source.pollIntervalMs);
          continue;
        }
        pending = null;
        retryMs = FIRST_RETRY_MS;
        await waitForWakeup(source.pollIntervalMs);
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
