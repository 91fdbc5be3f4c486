/**
 * The port's `$all` filters in the client's terms: a server-side filter for subscriptions, and the same rule as
 * a predicate for reads (client 6.x sends no filter with readAll).
 */
import { eventTypeFilter, excludeSystemEvents, streamNameFilter, type Filter } from '@eventstore/db-client';
import type { AllFilter, Position } from '../port.ts';
import { encodePosition } from '../position.ts';
import { isSystemEvent } from './recorded-event.ts';

/** Exact event type names as one anchored alternation: `^(a|b)$`, with names escaped. */
export function eventTypesRegex(eventTypes: readonly string[]): string {
  const escaped = eventTypes.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return `^(${escaped.join('|')})$`;
}

/** `onCheckpoint` hears the server's checkpoints (every subscription of ours is filtered, so every one gets them). */
export function toSubscriptionFilter(
  filter: AllFilter | undefined,
  onCheckpoint?: (position: Position) => void,
): Filter {
  const checkpoints =
    onCheckpoint === undefined
      ? {}
      : {
          checkpointReached: (_subscription: unknown, at: { commit: bigint; prepare: bigint }) =>
            onCheckpoint(encodePosition(at.commit, at.prepare)),
        };
  if (filter === undefined) return excludeSystemEvents(checkpoints);
  if ('eventTypes' in filter) return eventTypeFilter({ regex: eventTypesRegex(filter.eventTypes), ...checkpoints });
  return streamNameFilter({ prefixes: [...filter.streamPrefixes], ...checkpoints });
}

/**
 * Whether an event passes the filter. Without a filter, system events are excluded; with one, system events are
 * excluded too (they are never ours, and a `$`-named type or prefix in a filter is not something we write).
 */
export function matchesAllFilter(filter: AllFilter | undefined, event: { type: string; streamId: string }): boolean {
  if (isSystemEvent(event)) return false;
  if (filter === undefined) return true;
  if ('eventTypes' in filter) return filter.eventTypes.includes(event.type);
  return filter.streamPrefixes.some((prefix) => event.streamId.startsWith(prefix));
}
