import { encodePosition } from '../position.ts';
import type { JsonObject, RecordedEvent } from '../port.ts';

/** An `es_events` row as the reads select it (EVENT_COLUMNS). */
export interface EventRow {
  global_position: number | string;
  txid: string;
  event_id: string;
  stream_name: string;
  revision: number | string;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
  created_at: Date | string;
}

export const EVENT_COLUMNS =
  'global_position, transaction_id::text as txid, event_id, stream_name, revision, type, data, metadata, created_at';

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamName: row.stream_name,
    revision: Number(row.revision),
    position: encodePosition(row.txid, row.global_position),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    created: new Date(row.created_at),
  };
}
