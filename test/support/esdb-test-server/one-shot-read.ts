/**
 * Answers a finite Streams.Read (stream or $all, forwards or backwards) from the memory log, with EventStoreDB's
 * boundary rules: a stream read names its first revision inclusively; a forwards $all read includes the event at
 * its start position; a backwards $all read returns events strictly before its position (positions point at the
 * start of a record).
 */
import type { LoggedEvent, MemoryLog } from './memory-log.ts';
import type { LogPosition, ReadRequest } from './read-request.ts';

export type ReadResult = { kind: 'events'; events: LoggedEvent[] } | { kind: 'stream_not_found'; streamName: string };

export function comparePosition(event: LoggedEvent, position: LogPosition): number {
  if (event.commit !== position.commit) return event.commit < position.commit ? -1 : 1;
  if (event.prepare !== position.prepare) return event.prepare < position.prepare ? -1 : 1;
  return 0;
}

export function oneShotRead(log: MemoryLog, request: ReadRequest): ReadResult {
  const count = request.count ?? 0n;
  const forwards = request.direction === 'forwards';
  const target = request.target;
  let candidates: readonly LoggedEvent[];
  if (target.kind === 'stream') {
    const stream = log.stream(target.streamName);
    if (stream === undefined) return { kind: 'stream_not_found', streamName: target.streamName };
    // By revision, not index: a soft-deleted stream that was written again starts past revision 0.
    const last = stream[stream.length - 1]!.revision;
    const from = target.from === 'start' ? 0n : target.from === 'end' ? last : target.from;
    candidates = forwards
      ? stream.filter((event) => event.revision >= from)
      : stream.filter((event) => event.revision <= from).reverse();
  } else {
    const all = log.all();
    const from = target.from;
    if (forwards) {
      candidates =
        from === 'start' ? all : from === 'end' ? [] : all.filter((event) => comparePosition(event, from) >= 0);
    } else {
      const before =
        from === 'end' ? all : from === 'start' ? [] : all.filter((event) => comparePosition(event, from) < 0);
      candidates = [...before].reverse();
    }
  }
  const events: LoggedEvent[] = [];
  for (const event of candidates) {
    if (BigInt(events.length) >= count) break;
    if (request.filter === null || request.filter(event)) events.push(event);
  }
  return { kind: 'events', events };
}
