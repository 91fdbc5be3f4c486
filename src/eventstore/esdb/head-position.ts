/**
 * Position of the newest event a `$all` reader sees (system events skipped), found by reading `$all` backwards.
 */
import { BACKWARDS, END, type EventStoreDBClient, type ReadPosition } from '@eventstore/db-client';
import type { Position } from '../port.ts';
import { toClientPosition } from './read-all-page.ts';
import { isSystemEvent, positionOf } from './recorded-event.ts';

/** One request usually suffices; a burst of system events (stats, scavenges) is skipped chunk by chunk. */
const CHUNK = 32;

/** Throws the client's errors; the caller maps them to the port's. */
export async function headPosition(client: EventStoreDBClient): Promise<Position | null> {
  let cursor: Position | null = null;
  for (;;) {
    const fromPosition: ReadPosition = cursor === null ? END : toClientPosition(cursor);
    const read = client.readAll({ direction: BACKWARDS, fromPosition, maxCount: CHUNK });
    let scanned = 0;
    for await (const resolved of read) {
      scanned++;
      const event = resolved.event;
      if (event === undefined) continue;
      const position = positionOf(event);
      // Backwards reads start strictly before their position; the guard keeps us safe if a server includes it.
      if (cursor !== null && position >= cursor) continue;
      cursor = position;
      if (!isSystemEvent(event)) {
        await read.cancel();
        return position;
      }
    }
    if (scanned < CHUNK) return null;
  }
}
