/**
 * Turns the client's recorded events into the port's RecordedEvent: plain numbers and position strings
 * (no BigInt leaves this file), JSON data and metadata as objects.
 */
import type { ResolvedEvent } from '@eventstore/db-client';
import { encodePosition } from '../position.ts';
import type { JsonObject, RecordedEvent } from '../port.ts';

type ClientRecordedEvent = NonNullable<ResolvedEvent['event']>;

/** EventStoreDB's own events ($-prefixed types such as $metadata, $statsCollected, and $-prefixed streams). */
export function isSystemEvent(event: { type: string; streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

export function toRecordedEvent(event: ClientRecordedEvent): RecordedEvent {
  if (event.position === undefined) {
    throw new Error(`EventStoreDB returned event ${event.id} of ${event.streamId} without a position`);
  }
  return {
    id: event.id,
    streamName: event.streamId,
    // Typed bigint, but normalise whatever arrives (number, bigint or string) to a number.
    revision: Number(event.revision),
    position: encodePosition(BigInt(event.position.commit), BigInt(event.position.prepare)),
    type: event.type,
    data: jsonObject(event.data, `data of event ${event.id}`),
    metadata: event.metadata === undefined ? {} : jsonObject(event.metadata, `metadata of event ${event.id}`),
    created: event.created,
  };
}

/** Our events are JSON objects; anything else (binary, arrays, malformed JSON) was not written through the port. */
function jsonObject(value: unknown, what: string): JsonObject {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)) {
    return value as JsonObject;
  }
  throw new TypeError(`The ${what} is not a JSON object`);
}

export function positionOf(event: ClientRecordedEvent): string {
  if (event.position === undefined) throw new Error(`EventStoreDB returned event ${event.id} without a position`);
  return encodePosition(BigInt(event.position.commit), BigInt(event.position.prepare));
}
