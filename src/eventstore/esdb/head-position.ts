/**
 * Position of the newest event a `$all` reader sees (system events skipped), found by reading `$all` backwards.
 */
import { BACKWARDS, END, type EventStoreDBClient, type ReadPosition } from '@eventstore/db-client';
import type { Position } from '../port.ts';
import { toClientPosition } from './read-all-page.ts';
import { isSystemEvent, positionOf } from './recorded-event.ts';
import type { TrackRead } from './call-deadline.ts';

/**
 * The last record is usually ours, so the first request asks for one event (the runner asks for the head on every
 * poll); a burst of system events (stats, scavenges) is then skipped chunk by chunk.
 */
const FIRST_CHUNK = 1;
const CHUNK = 32;

/** Throws the client's errors; the caller maps them to the port's. */
export async function headPosition(
  client: EventStoreDBClient,
  track: TrackRead = (read) => read,
): Promise<Position | null> {
  let cursor: Position | null = null;
  for (let chunk = FIRST_CHUNK; ; chunk = CHUNK) {
    const fromPosition: ReadPosition = cursor === null ? END : toClientPosition(cursor);
    const read = track(client.readAll({ direction: BACKWARDS, fromPosition, maxCount: chunk }));
    let scanned = 0;
    let found: Position | null = null;
    // Read each (small) chunk to its end rather than cancelling mid-way: cancelling a call the server has
    // already completed can leave the client's iterator waiting, and dispose() would then wait for it.
    for await (const resolved of read) {
      scanned++;
      const event = resolved.event;
      if (event === undefined || found !== null) continue;
      const position = positionOf(event);
      // Backwards reads start strictly before their position; the guard keeps us safe if a server includes it.
      if (cursor !== null && position >= cursor) continue;
      cursor = position;
      if (!isSystemEvent(event)) found = position;
    }
    if (found !== null) return found;
    if (scanned < chunk) return null;
  }
}
