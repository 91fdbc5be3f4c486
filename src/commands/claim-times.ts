import type { DomainEvent } from '../domain/decider.ts';
import type { RecordedEvent } from '../eventstore/port.ts';

/**
 * When a claim was taken, for the grace period of abandoned claims (src/domain/holder-grace.ts): the time its
 * writer stamped on it (`occurred_at`, the writer's clock, the same clock the grace is measured with), else
 * the store's own time.
 */
export function occurredAt(event: RecordedEvent): Date {
  const stamped = event.metadata.occurred_at;
  const parsed = typeof stamped === 'string' ? new Date(stamped) : null;
  return parsed !== null && !Number.isNaN(parsed.getTime()) ? parsed : event.created;
}

/** The time of the last event of `recorded` that `matches`, or null when none does. */
export function lastOccurredAt(
  recorded: readonly RecordedEvent[],
  matches: (event: RecordedEvent) => boolean,
): Date | null {
  for (let index = recorded.length - 1; index >= 0; index--) {
    if (matches(recorded[index]!)) return occurredAt(recorded[index]!);
  }
  return null;
}

export const asDomainEvent = <Event extends DomainEvent>(event: RecordedEvent): Event =>
  ({ type: event.type, data: event.data }) as Event;

/** How long a claim whose holder never wrote stands, and the clock it is measured with. */
export interface HolderGrace {
  graceMs: number;
  clock: () => Date;
}
