import type { DomainEvent } from '../domain/decider.ts';
import type { Position } from '../eventstore/port.ts';
import { maxPosition } from '../eventstore/position.ts';

/** What a write left behind: where it ended in the log and which event types it wrote (for read-your-writes). */
export interface WriteResult {
  position: Position | null;
  eventTypes: string[];
}

export const NOTHING_WRITTEN: WriteResult = { position: null, eventTypes: [] };

/** The write of one command: the position of its append (null when it appended nothing) and its events' types. */
export function writeResultOf(result: { events: readonly DomainEvent[]; position: Position | null }): WriteResult {
  return { position: result.position, eventTypes: result.events.map((event) => event.type) };
}

/** Several writes of one request: the last position (writes happen in order) and every type. */
export function combineWrites(...writes: WriteResult[]): WriteResult {
  return {
    position: writes.reduce<Position | null>((last, write) => maxPosition(last, write.position), null),
    eventTypes: [...new Set(writes.flatMap((w) => w.eventTypes))],
  };
}
