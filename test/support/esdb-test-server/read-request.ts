/**
 * Parses a Streams.Read request (the one call EventStoreDB uses for stream reads, $all reads and subscriptions)
 * into a plain description the test double can act on.
 */
import type { ReadReqMessage } from './proto.ts';
import { ReadReq } from './proto.ts';
import type { LoggedEvent } from './memory-log.ts';
import { streamNameOf } from './wire.ts';

export type LogPosition = { commit: bigint; prepare: bigint };

export type ReadTarget =
  | { kind: 'stream'; streamName: string; from: 'start' | 'end' | bigint }
  | { kind: 'all'; from: 'start' | 'end' | LogPosition };

export interface ReadRequest {
  target: ReadTarget;
  direction: 'forwards' | 'backwards';
  /** Null for a subscription. */
  count: bigint | null;
  filter: ((event: LoggedEvent) => boolean) | null;
  /** Send a checkpoint after this many scanned events (filtered $all subscriptions only). */
  checkpointEvery: number | null;
  structuredIds: boolean;
}

/** EventStoreDB's default filter search window when the client asks for `count` instead of `max`. */
const DEFAULT_SEARCH_WINDOW = 32;

export function parseReadRequest(request: ReadReqMessage): ReadRequest {
  const options = request.getOptions();
  if (options === undefined) throw new Error('Read without options');
  const filterOptions = options.hasFilter() ? options.getFilter() : undefined;
  const filter = filterOptions === undefined ? null : eventFilter(filterOptions);
  const window = filterOptions?.hasMax() ? filterOptions.getMax() : DEFAULT_SEARCH_WINDOW;
  return {
    target: readTarget(options),
    direction: options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS ? 'backwards' : 'forwards',
    count: options.hasSubscription() ? null : BigInt(options.getCount()),
    filter,
    checkpointEvery:
      filterOptions === undefined ? null : window * Math.max(1, filterOptions.getCheckpointintervalmultiplier()),
    structuredIds: options.getUuidOption()?.hasStructured() ?? false,
  };
}

function readTarget(options: InstanceType<typeof ReadReq.Options>): ReadTarget {
  const stream = options.getStream();
  if (stream !== undefined) {
    const streamName = streamNameOf(stream.getStreamIdentifier());
    if (stream.hasRevision()) return { kind: 'stream', streamName, from: BigInt(stream.getRevision()) };
    return { kind: 'stream', streamName, from: stream.hasEnd() ? 'end' : 'start' };
  }
  const all = options.getAll();
  if (all === undefined) throw new Error('Read of neither a stream nor $all');
  const position = all.getPosition();
  if (position !== undefined) {
    return {
      kind: 'all',
      from: { commit: BigInt(position.getCommitPosition()), prepare: BigInt(position.getPreparePosition()) },
    };
  }
  return { kind: 'all', from: all.hasEnd() ? 'end' : 'start' };
}

function eventFilter(filter: InstanceType<typeof ReadReq.Options.FilterOptions>): (event: LoggedEvent) => boolean {
  const onStream = filter.getStreamIdentifier();
  const onType = filter.getEventType();
  const expression = onStream ?? onType;
  if (expression === undefined) throw new Error('Filter without an expression');
  const field = (event: LoggedEvent): string => (onStream !== undefined ? event.streamName : event.type);
  const prefixes = expression.getPrefixList();
  if (prefixes.length > 0) return (event) => prefixes.some((prefix) => field(event).startsWith(prefix));
  // The server evaluates .NET regular expressions; the patterns clients send (anchors, alternations, classes)
  // mean the same in JavaScript.
  const regex = new RegExp(expression.getRegex());
  return (event) => regex.test(field(event));
}
