/**
 * Keeps appends under a store's cap on the size of one append (EventStoreDB's MaxAppendSize, 1 MiB by default).
 *
 * The size of an event is counted the way EventStoreDB counts it (Event.SizeOnDisk: data bytes + metadata bytes +
 * 2 × the type's length), with data and metadata as the JSON the client sends (UTF-8). Callers that may carry many
 * events of one stream (migrate-events, appendToStreams) append them in consecutive parts, each under the cap.
 */
import type { EventToAppend } from './port.ts';

/** EventStoreDB's default MaxAppendSize. */
export const DEFAULT_MAX_APPEND_BYTES = 1_048_576;

export function eventAppendSize(event: EventToAppend): number {
  const json = eventJson(event);
  return Buffer.byteLength(json.data, 'utf8') + Buffer.byteLength(json.metadata, 'utf8') + event.type.length * 2;
}

/** An event's data and metadata as the JSON text a store sends. */
export interface EventJson {
  data: string;
  metadata: string;
}

/**
 * Encoded once per event object: the group commit sizes an append that may share a batch, and the batch statement
 * then sends the same text (it was encoded twice per event before). Kept with the data and metadata objects it was
 * encoded from: an event whose `data` or `metadata` was replaced since (a caller sizing an event, then filling it
 * to a size) is encoded again. Events are not changed in place on their way to the log (the hash chain links over
 * them).
 */
interface Encoded {
  data: unknown;
  metadata: unknown;
  json: EventJson;
}

const encoded = new WeakMap<EventToAppend, Encoded>();

export function eventJson(event: EventToAppend): EventJson {
  const cached = encoded.get(event);
  if (cached !== undefined && cached.data === event.data && cached.metadata === event.metadata) return cached.json;
  const json = { data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata) };
  encoded.set(event, { data: event.data, metadata: event.metadata, json });
  return json;
}

/**
 * Consecutive parts of `events`, in order, each at most `maxBytes` by eventAppendSize. An event larger than the cap
 * on its own gets a part of its own (the store will refuse it: nothing can make it fit).
 */
export function splitBySize<E extends EventToAppend>(events: readonly E[], maxBytes: number): E[][] {
  const parts: E[][] = [];
  let current: E[] = [];
  let size = 0;
  for (const event of events) {
    const eventSize = eventAppendSize(event);
    if (current.length > 0 && size + eventSize > maxBytes) {
      parts.push(current);
      current = [];
      size = 0;
    }
    current.push(event);
    size += eventSize;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}
