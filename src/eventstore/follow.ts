import type { Subscription } from 'rxjs';
import type { Logger } from '../logger.ts';
import type { AllFilter, EventStore, Position, RecordedEvent } from './port.ts';

export interface FollowOptions {
  /** Names the follower in log lines. */
  readonly name: string;
  readonly logger: Logger;
  /** First wait after a failure; it doubles on each failure in a row, up to `maxDelayMs`. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

export interface Following {
  /** The position of the last event handed to `onEvent` (or the start): where a resubscription resumes. */
  readonly cursor: Position | null;
  stop(): void;
}

/**
 * Follows the log live from `from` (exclusive) and hands each matching event to `onEvent`, in order. When the
 * subscription fails it resubscribes from the last event it delivered — never from the head, which would skip
 * whatever was appended during the gap (a revocation that must close a session, a command to relay) — after a
 * growing delay, reset by the next delivered event.
 */
export function follow(
  store: EventStore,
  filter: AllFilter,
  from: Position | null,
  onEvent: (event: RecordedEvent) => void,
  options: FollowOptions,
): Following {
  const initialDelayMs = options.initialDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  let cursor = from;
  let failures = 0;
  let stopped = false;
  let subscription: Subscription | null = null;
  let retry: NodeJS.Timeout | null = null;

  const subscribe = () => {
    subscription = store.subscribeToAll({ after: cursor, filter }).subscribe({
      next: (event) => {
        cursor = event.position;
        failures = 0;
        onEvent(event);
      },
      error: (error: unknown) => {
        if (stopped) return;
        failures += 1;
        const delayMs = Math.min(maxDelayMs, initialDelayMs * 2 ** (failures - 1));
        options.logger.error(
          { err: error, follower: options.name, failures, retry_in_ms: delayMs },
          'event subscription failed; resuming from its last event',
        );
        retry = setTimeout(() => !stopped && subscribe(), delayMs);
        retry.unref();
      },
    });
  };
  subscribe();

  return {
    get cursor() {
      return cursor;
    },
    stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      subscription?.unsubscribe();
    },
  };
}
