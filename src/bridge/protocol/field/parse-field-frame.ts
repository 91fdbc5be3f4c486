import { DEFAULT_MAX_FRAME_BYTES } from '../limits.ts';
import type { ParseResult } from '../protocol-error.ts';
import { invalidFrameError, readFrameEnvelope, unknownTypeError, type FrameEnvelope } from '../read-frame-envelope.ts';
import { FIELD_INBOUND_FRAME_TYPES, type FieldInboundFrame } from './field-frames.ts';
import {
  fieldAckSchema,
  fieldDevicesResponseSchema,
  fieldErrorSchema,
  fieldPingSchema,
  fieldStateUpdateSchema,
  fieldSyncRequestSchema,
} from './field-schemas.ts';

/**
 * Parses one edge → cloud frame of the field dialect, or says why not. The same entrance as the `/bridge/`
 * dialect (size, JSON, JSON bounds before anything recurses), then the field schemas. Never throws.
 */
export function parseFieldFrame(
  text: string,
  maxBytes: number = DEFAULT_MAX_FRAME_BYTES,
): ParseResult<FieldInboundFrame> {
  const read = readFrameEnvelope(text, maxBytes);
  if (!read.ok) return read;
  const { envelope } = read;
  switch (envelope.type) {
    case 'ping':
      return parseWith(envelope, fieldPingSchema, (f) => ({ type: 'ping', timestamp: f.timestamp ?? null }));
    case 'devices_response':
      return parseWith(envelope, fieldDevicesResponseSchema, (f) => ({
        type: 'devices_response',
        request_id: f.request_id,
        entities: f.devices.map(({ id, ...entity }) => ({ entity_id: id, ...withoutUndefined(entity) })),
      }));
    case 'state_update':
      return parseWith(envelope, fieldStateUpdateSchema, (f) => ({
        type: 'state_update',
        entity_id: f.entity_id,
        state: f.state,
        timestamp: f.timestamp ?? null,
      }));
    case 'ack':
      return parseWith(envelope, fieldAckSchema, (f) => ({
        type: 'ack',
        request_id: f.request_id,
        ok: f.status === 'success',
        message: f.message,
      }));
    case 'error':
      return parseWith(envelope, fieldErrorSchema, (f) => ({
        type: 'error',
        request_id: f.request_id ?? null,
        message: f.message,
      }));
    case 'sync_request':
      return parseWith(envelope, fieldSyncRequestSchema, (f) => ({
        type: 'sync_request',
        request_id: f.request_id ?? null,
      }));
    default:
      return { ok: false, error: unknownTypeError(envelope.type, FIELD_INBOUND_FRAME_TYPES, envelope.requestId) };
  }
}

interface Schema<Output> {
  safeParse(
    value: unknown,
  ): { success: true; data: Output } | { success: false; error: Parameters<typeof invalidFrameError>[1] };
}

function parseWith<Output>(
  envelope: FrameEnvelope,
  schema: Schema<Output>,
  toFrame: (parsed: Output) => FieldInboundFrame,
): ParseResult<FieldInboundFrame> {
  const parsed = schema.safeParse(envelope.raw);
  if (!parsed.success) return { ok: false, error: invalidFrameError(envelope.type, parsed.error, envelope.requestId) };
  return { ok: true, frame: toFrame(parsed.data) };
}

/** The inventory event is strict about its optional keys: absent, never `undefined`. */
function withoutUndefined<T extends Record<string, unknown>>(entity: T): T {
  return Object.fromEntries(Object.entries(entity).filter(([, value]) => value !== undefined)) as T;
}
