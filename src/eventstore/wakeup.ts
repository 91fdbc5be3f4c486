import type { AllFilter, Position } from './port.ts';

/**
 * A hint that new events may be readable, with what is known about them. Subscribers whose filter cannot match
 * stay asleep: a telemetry append must not make every projection runner and follower read the log.
 * A field left out means "unknown": a fallback poll, or a NOTIFY from a process that sends no details.
 */
export interface Wakeup {
  /** Event types the append wrote. */
  types?: readonly string[];
  /** The stream it wrote to (local appends only; NOTIFY payloads leave it out to stay small). */
  stream?: string;
  /**
   * A position at or before the append's first event (for Postgres: its transaction id with sequence 0). A
   * subscriber whose cursor is still below it after reading has not seen the append yet — it committed, but an
   * older transaction still hides it (readers stop at pg_snapshot_xmin) — and reads again soon.
   */
  notBefore?: Position;
}

/** Whether a subscriber with `filter` (none: every event) may find something new after `wakeup`. */
export function wakeupConcerns(filter: AllFilter | undefined, wakeup: Wakeup): boolean {
  if (!filter) return true;
  if ('eventTypes' in filter) return wakeup.types === undefined || wakeup.types.some((type) => filter.eventTypes.includes(type));
  if (wakeup.stream === undefined) return true;
  const stream = wakeup.stream;
  return filter.streamPrefixes.some((prefix) => stream.startsWith(prefix));
}

/** NOTIFY payload: the types appended since the last notification, comma-separated (type names have no commas). */
export function encodeWakeupPayload(types: Iterable<string>): string {
  const payload = [...types].join(',');
  // Postgres caps a payload below 8000 bytes; beyond a sane size, "anything" is as good and always fits.
  return payload.length > 4000 ? '' : payload;
}

/** An empty payload (an older process, or too many types) wakes every subscriber. */
export function decodeWakeupPayload(payload: string): Wakeup {
  return payload === '' ? {} : { types: payload.split(',') };
}
