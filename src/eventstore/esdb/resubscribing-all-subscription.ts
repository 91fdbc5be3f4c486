/**
 * `$all` catch-up subscription as an Observable that survives dropped connections.
 *
 * The 6.x client never resubscribes by itself: when the node restarts or the connection drops, its subscription
 * stream just errors. Here every drop (an error, or the server ending the call) leads to a new native
 * subscription from the last position delivered — EventStoreDB's subscriptions from a position are exclusive,
 * so nothing is repeated — after a capped exponential backoff. A guard drops anything at or before the last
 * delivered position, in case a server ever replays it. Positions keep both commit and prepare.
 *
 * A native subscription that is never confirmed, or that goes silent while the log grows past it, is failed and
 * resubscribed the same way (`confirmationTimeoutMs`, `liveness`). A 23.10 server drops a live subscriber that
 * does not keep up (ABORTED "Consumer too slow", a TimeoutError here): also a drop, resubscribed from the last
 * delivered position; a 24.10 server falls back to catch-up by itself and the call goes on.
 *
 * Backpressure: events are pulled one at a time from the client stream (async iteration) and handed to
 * `subscriber.next` synchronously, so this layer holds no queue of its own. When the subscriber is slow (its
 * `next` takes time), the client stream's buffer fills to `highWaterMark` events, the stream pauses its gRPC
 * call, HTTP/2 flow control stops the server, and EventStoreDB falls back to reading the log for that
 * subscription — memory stays bounded on both sides. An Observable cannot tell us about work a subscriber queues
 * asynchronously (e.g. inside `concatMap`); bounding that queue is the subscriber's job (see the report's port
 * proposal).
 */
import { START, type AllStreamSubscription, type EventStoreDBClient } from '@eventstore/db-client';
import { Observable } from 'rxjs';
import { EventStoreUnavailableError } from '../errors.ts';
import type { Position, RecordedEvent, SubscribeToAllOptions } from '../port.ts';
import { matchesAllFilter, toSubscriptionFilter } from './all-filter.ts';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import type { EmptyRanges } from './empty-ranges.ts';
import { isTransientClientError, toPortError } from './client-errors.ts';
import { toClientPosition } from './read-all-page.ts';
import { CallDeadlineError } from './call-deadline.ts';
import { positionOf, toRecordedEvent } from './recorded-event.ts';
import { SubscriptionLiveness, type LivenessSettings } from './subscription-liveness.ts';

export interface SubscriptionSettings {
  backoff: BackoffPolicy;
  /** Events the client stream buffers before it pauses the gRPC call. */
  highWaterMark: number;
  /** Stretches known to hold nothing for the filter: the first native subscription starts past them. */
  emptyRanges?: EmptyRanges;
  /**
   * How long a native subscription may wait for the server's confirmation before it counts as failed (and is
   * retried): a node that accepts the call and never answers would otherwise hold it forever.
   */
  confirmationTimeoutMs?: number;
  /** A confirmed subscription that goes silent while `$all` grows is resubscribed (subscription-liveness.ts). */
  liveness?: LivenessSettings;
}

export function resubscribingAllSubscription(
  client: EventStoreDBClient,
  options: SubscribeToAllOptions,
  settings: SubscriptionSettings,
): Observable<RecordedEvent> {
  return new Observable<RecordedEvent>((subscriber) => {
    // Skipping a stretch that holds nothing for the filter loses nothing and spares the server a catch-up scan.
    const after = options.after ?? null;
    let last: Position | null = settings.emptyRanges ? settings.emptyRanges.skipTo(options.filter, after) : after;
    let stopped = false;
    let attempt = 0;
    let current: AllStreamSubscription | null = null;
    let cancelSleep: (() => void) | null = null;

    /** Heads a resubscription was already made for (see subscription-liveness.ts). */
    const answered = { head: null as Position | null };

    /** Runs one native subscription until it ends (resolves) or fails (throws). */
    const runNativeSubscription = async (): Promise<void> => {
      const watch: { liveness: SubscriptionLiveness | null } = { liveness: null };
      const subscription = client.subscribeToAll(
        {
          fromPosition: last === null ? START : toClientPosition(last),
          // Checkpoints only tell the liveness watch the server is alive: they may overtake events still buffered
          // in the client stream, so they never move the resume position.
          filter: toSubscriptionFilter(options.filter, (position) => watch.liveness?.heard(position)),
        },
        { highWaterMark: settings.highWaterMark },
      );
      current = subscription;
      const fail = (error: Error) => {
        void subscription.unsubscribe().catch(() => {});
        subscription.destroy(error);
      };
      const unconfirmed = watchConfirmation(fail, settings.confirmationTimeoutMs);
      subscription.once('confirmation', () => {
        clearTimeout(unconfirmed);
        attempt = 0; // the server took the subscription: a later drop starts the backoff afresh
        if (settings.liveness === undefined || stopped) return;
        watch.liveness = new SubscriptionLiveness(settings.liveness, last, answered, fail);
        watch.liveness.start();
      });
      subscription.on('caughtUp', () => watch.liveness?.heard());
      subscription.once('close', () => {
        clearTimeout(unconfirmed);
        watch.liveness?.stop();
      });
      try {
        for await (const resolved of subscription) {
          if (stopped) return;
          const event = resolved.event;
          if (event === undefined) continue;
          const position = positionOf(event);
          watch.liveness?.heard(position);
          if (last !== null && position <= last) continue;
          // Advance past events we skip too (system events in $-streams): resuming after them loses nothing.
          last = position;
          if (!matchesAllFilter(options.filter, event)) continue;
          subscriber.next(toRecordedEvent(event));
        }
      } finally {
        clearTimeout(unconfirmed);
        watch.liveness?.stop();
        // A failed native subscription must not linger in the client: dispose() would wait for it forever.
        if (!stopped) {
          void subscription.unsubscribe().catch(() => {});
          subscription.destroy();
        }
      }
    };

    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        cancelSleep = () => {
          clearTimeout(timer);
          resolve();
        };
      });

    const run = async (): Promise<void> => {
      while (!stopped) {
        let failure: unknown = null;
        try {
          await runNativeSubscription();
        } catch (error) {
          failure = error;
        }
        if (stopped) return;
        if (failure !== null && !isTransientClientError(failure)) {
          subscriber.error(toPortError(failure));
          return;
        }
        attempt++;
        if (attempt > settings.backoff.maxAttempts) {
          subscriber.error(
            new EventStoreUnavailableError(
              `$all subscription lost; ${settings.backoff.maxAttempts} resubscriptions failed`,
              {
                cause: failure,
              },
            ),
          );
          return;
        }
        await sleep(backoffDelay(attempt, settings.backoff));
      }
    };

    void run();

    return () => {
      stopped = true;
      cancelSleep?.();
      const subscription = current;
      if (subscription !== null) {
        // unsubscribe() cancels the gRPC call; destroy() ends our iteration, which the cancellation alone would not.
        void subscription.unsubscribe().finally(() => subscription.destroy());
      }
    };
  });
}

/** Fails the native subscription (a transient CallDeadlineError, so it is retried) if it is not confirmed in time. */
function watchConfirmation(fail: (error: Error) => void, timeoutMs: number | undefined): NodeJS.Timeout | undefined {
  if (timeoutMs === undefined) return undefined;
  return setTimeout(
    () => fail(new CallDeadlineError(`EventStoreDB did not confirm a $all subscription within ${timeoutMs} ms`)),
    timeoutMs,
  );
}
