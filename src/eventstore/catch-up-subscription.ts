import { Observable, type Subscription } from 'rxjs';
import type { IdlePoll } from './idle-poll.ts';
import type { AllFilter, Position, RecordedEvent } from './port.ts';
import { maxPosition } from './position.ts';
import type { SharedTail, TailMember } from './shared-tail.ts';

export interface CatchUpSource {
  /** One page of this subscription's events strictly after `after`, in global order. */
  readPage(after: Position | null): Promise<RecordedEvent[]>;
  pageSize: number;
  filter: AllFilter | undefined;
  /**
   * Fires when events this subscription wants may have become readable (see AppendSignal.types), with the lowest
   * position such an event can have when known. Only listened to while it reads its own pages.
   */
  wakeups: Observable<Position | null>;
  /** The store's head reads (shared, idle-poll.ts): where a stopped shared tail starts. */
  idlePoll: IdlePoll;
  /** The store's reader of the log's tail, shared by its live subscriptions. */
  tail: SharedTail;
}

/**
 * Catch-up then live. A subscription that starts inside the shared tail's window (shared-tail.ts) joins it at
 * once: the window's events after its position, then every later one, with no read of its own. One that starts
 * further behind reads its own filtered pages until a short page has read through the tail's window, then joins;
 * when the tail is stopped, it starts it from there. Every event is emitted once, in order: the cursor only ever
 * moves to the position of an event already emitted, and the tail hands a member only events after its cursor.
 */
export function catchUpSubscription(source: CatchUpSource, after: Position | null): Observable<RecordedEvent> {
  return new Observable<RecordedEvent>((subscriber) => {
    let stopped = false;
    let wakeups: Subscription | null = null;
    const member: TailMember = {
      filter: source.filter,
      cursor: after,
      next: (event) => subscriber.next(event),
      error: (error) => subscriber.error(error),
    };

    const catchUp = async () => {
      // Not inside subscribe(): a caller may not hold its Subscription yet when the first event comes.
      await Promise.resolve();
      if (stopped || source.tail.join(member)) return;
      /** A wake-up since the current read began: handed to the tail when joining. */
      let pending: { reach: Position | null } | undefined;
      wakeups = source.wakeups.subscribe((reach) => {
        pending = { reach: maxPosition(pending?.reach ?? null, reach) };
      });
      for (;;) {
        pending = undefined;
        // A read that starts after these were read sees everything up to them: a short page reads through them.
        const readBefore = maxPosition(source.idlePoll.latestHead ?? null, await tailOrHead(source));
        const page = await source.readPage(member.cursor);
        for (const event of page) {
          if (stopped) return;
          member.cursor = event.position;
          subscriber.next(event);
        }
        if (stopped) return;
        if (page.length < source.pageSize && source.tail.join(member, maxPosition(member.cursor, readBefore), pending))
          break;
      }
      wakeups.unsubscribe();
    };
    catchUp().catch((error: unknown) => {
      if (!stopped) subscriber.error(error);
    });

    return () => {
      stopped = true;
      wakeups?.unsubscribe();
      source.tail.leave(member);
    };
  });
}

/**
 * Where the running tail has read through; when it is stopped, the head of the log (the subscription that
 * starts it must have read through a recent position, or the tail would read the log from an old cursor).
 */
async function tailOrHead(source: CatchUpSource): Promise<Position | null> {
  const through = source.tail.through;
  return through !== undefined ? through : source.idlePoll.readHead();
}
