import type { JsonObject, RecordedEvent } from '../eventstore/port.ts';

/** One line of an audit export (JSON Lines): the event exactly as stored, with where it sits in the log. */
export interface AuditRecord {
  stream: string;
  revision: number;
  position: string;
  id: string;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
  created: string;
}

export function toAuditRecord(event: RecordedEvent): AuditRecord {
  return {
    stream: event.streamName,
    revision: event.revision,
    position: event.position,
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    created: event.created.toISOString(),
  };
}

export class MalformedExportError extends Error {
  override readonly name = 'MalformedExportError';
}

/** Parses one export line; names the line when it is not a record (a flipped byte can break the JSON itself). */
export function parseAuditRecord(line: string, lineNumber: number): AuditRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new MalformedExportError(`line ${lineNumber}: not valid JSON (${(error as Error).message})`);
  }
  const record = parsed as Partial<AuditRecord>;
  const ok =
    typeof record === 'object' &&
    record !== null &&
    typeof record.stream === 'string' &&
    typeof record.revision === 'number' &&
    typeof record.id === 'string' &&
    typeof record.type === 'string' &&
    typeof record.data === 'object' &&
    record.data !== null &&
    typeof record.metadata === 'object' &&
    record.metadata !== null;
  if (!ok)
    throw new MalformedExportError(
      `line ${lineNumber}: not an audit record (stream, revision, id, type, data, metadata)`,
    );
  return record as AuditRecord;
}
