/**
 * One page of `$all` strictly after a position, filtered. Client 6.x reads `$all` from a position INCLUSIVELY
 * and sends no filter with readAll, so this scans forwards in chunks, skips everything at or before the cursor,
 * and filters here, until the page is full or the log ends. With `emptyRanges`, it starts past the stretch known
 * to hold nothing for the filter and records the stretch it scanned in vain (see empty-ranges.ts).
 */
import { START, type EventStoreDBClient, type ReadPosition } from '@eventstore/db-client';
import { decodePosition } from '../position.ts';
import type { Position, ReadAllOptions, RecordedEvent } from '../port.ts';
import { matchesAllFilter } from './all-filter.ts';
import type { EmptyRanges } from './empty-ranges.ts';
import { positionOf, toRecordedEvent } from './recorded-event.ts';
import type { TrackRead } from './call-deadline.ts';

export const DEFAULT_READ_ALL_COUNT = 1000;
/** Events scanned per request: large enough that sparse filters do not cost a round trip per event. */
const MIN_SCAN_CHUNK = 256;
const MAX_SCAN_CHUNK = 4096;

/** Throws the client's errors; the caller maps them to the port's. */
export async function readAllPage(
  client: EventStoreDBClient,
  options: ReadAllOptions = {},
  emptyRanges?: EmptyRanges,
  track: TrackRead = (read) => read,
): Promise<RecordedEvent[]> {
  const maxCount = options.maxCount ?? DEFAULT_READ_ALL_COUNT;
  const page: RecordedEvent[] = [];
  if (maxCount <= 0) return page;
  const chunk = Math.min(Math.max(maxCount + 1, MIN_SCAN_CHUNK), MAX_SCAN_CHUNK);
  const after = options.after ?? null;
  /** Exclusive lower bound: the last position already looked at. */
  let cursor: Position | null = emptyRanges ? emptyRanges.skipTo(options.filter, after) : after;
  for (;;) {
    const fromPosition: ReadPosition = cursor === null ? START : toClientPosition(cursor);
    const read = track(client.readAll({ fromPosition, maxCount: chunk }));
    let scanned = 0;
    for await (const resolved of read) {
      scanned++;
      const event = resolved.event;
      if (event === undefined) continue;
      const position = positionOf(event);
      if (cursor !== null && position <= cursor) continue; // the inclusive start: skip the event at `after`
      cursor = position;
      if (!matchesAllFilter(options.filter, event)) continue;
      page.push(toRecordedEvent(event));
      if (page.length >= maxCount) {
        await read.cancel(); // ends the gRPC call now instead of leaving it open until the client is disposed
        return page;
      }
    }
    if (scanned < chunk) {
      // The log ended inside this chunk: nothing after the last match (or `after`) up to the cursor matches.
      if (emptyRanges && cursor !== null) emptyRanges.record(options.filter, page.at(-1)?.position ?? after, cursor);
      return page;
    }
  }
}

export function toClientPosition(position: Position): { commit: bigint; prepare: bigint } {
  const { major, minor } = decodePosition(position);
  return { commit: major, prepare: minor };
}
