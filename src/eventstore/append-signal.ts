import type { AllFilter, Position } from './port.ts';
import { maxPosition } from './position.ts';

/**
 * What a subscription learns about an append that may have made new events readable. A local append knows all
 * of it; a notification from another process knows the types (and positions); one from an older process knows
 * nothing (`types` absent): then every subscriber wakes, as before.
 */
export interface AppendSignal {
  /**
   * The event types appended, each with the lowest position its transaction can have (transaction id, sequence
   * 0) — the highest such position when one notification covers several appends. Visibility is monotone in the
   * transaction id, so a reader whose cursor passed it has read every announced event of that type; one that has
   * not is looking at an event already committed but still behind the read horizon (an older transaction is
   * running), and reads again soon instead of waiting for its poll.
   */
  types?: Readonly<Record<string, Position>>;
  /** The stream appended to, when it was a single local append. */
  streamName?: string;
}

/**
 * Whether the signal may concern a subscription with this filter, and if so up to where it should read: `false`
 * only when the signal proves that nothing it announces passes the filter (appends of types a subscription does
 * not follow no longer cost it a query); `null` when it should read once, without a position to reach.
 */
export function wakeupFor(filter: AllFilter | undefined, signal: AppendSignal): { reach: Position | null } | false {
  const announced = signal.types;
  if (announced === undefined) return { reach: null };
  const highestOf = (types: Iterable<string>) => {
    let highest: Position | null = null;
    for (const type of types) highest = maxPosition(highest, announced[type] ?? null);
    return highest;
  };
  if (!filter) return { reach: highestOf(Object.keys(announced)) };
  if ('eventTypes' in filter) {
    const followed = filter.eventTypes.filter((type) => type in announced);
    return followed.length === 0 ? false : { reach: highestOf(followed) };
  }
  const streamName = signal.streamName;
  if (streamName === undefined) return { reach: null };
  return filter.streamPrefixes.some((prefix) => streamName.startsWith(prefix))
    ? { reach: highestOf(Object.keys(announced)) }
    : false;
}
