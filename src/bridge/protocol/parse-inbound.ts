import { currentAckFrameSchema, legacyAckFrameSchema } from './ack-schemas.ts';
import { outcomeOfCurrentAck, outcomeOfLegacyAck } from './ack-outcome.ts';
import { INBOUND_FRAME_TYPES, type Dialect, type InboundFrame } from './frame-types.ts';
import {
  batchStateFrameSchema,
  pingFrameSchema,
  singleDeviceStateFrameSchema,
  syncFrameSchema,
} from './inbound-schemas.ts';
import { DEFAULT_MAX_FRAME_BYTES } from './limits.ts';
import type { ParseResult } from './protocol-error.ts';
import { invalidFrameError, readFrameEnvelope, unknownTypeError, type FrameEnvelope } from './read-frame-envelope.ts';

/**
 * Parses one edge → cloud frame (either dialect) into its normalised shape, or says precisely why not.
 * Never throws: a gateway must not be able to crash the bridge with a malformed frame.
 */
export function parseInboundFrame(text: string, maxBytes: number = DEFAULT_MAX_FRAME_BYTES): ParseResult<InboundFrame> {
  const read = readFrameEnvelope(text, maxBytes);
  if (!read.ok) return read;
  const { envelope } = read;
  switch (envelope.type) {
    case 'ping':
      return parsePing(envelope);
    case 'state':
      return parseState(envelope);
    case 'sync':
      return parseSync(envelope);
    case 'ack':
      return parseAck(envelope);
    default:
      return { ok: false, error: unknownTypeError(envelope.type, INBOUND_FRAME_TYPES, envelope.requestId) };
  }
}

/** ISO timestamps are the legacy dialect's most reliable tell. */
function timestampDialect(raw: Record<string, unknown>): Dialect {
  return typeof raw['timestamp'] === 'string' ? 'legacy' : 'current';
}

function parsePing({ raw, requestId }: FrameEnvelope): ParseResult<InboundFrame> {
  const parsed = pingFrameSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: invalidFrameError('ping', parsed.error, requestId) };
  const { request_id, timestamp } = parsed.data;
  const dialect = request_id === undefined ? 'legacy' : timestampDialect(raw);
  return { ok: true, frame: { type: 'ping', request_id: request_id ?? null, timestamp, dialect } };
}

function parseState({ raw, requestId }: FrameEnvelope): ParseResult<InboundFrame> {
  const payload = raw['payload'];
  const isBatch = typeof payload === 'object' && payload !== null && 'devices' in payload;
  const dialect = timestampDialect(raw);
  if (isBatch) {
    const parsed = batchStateFrameSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, error: invalidFrameError('state', parsed.error, requestId) };
    const { request_id, timestamp, payload: batch } = parsed.data;
    return { ok: true, frame: { type: 'state', request_id, timestamp, dialect, payload: { devices: batch.devices } } };
  }
  const parsed = singleDeviceStateFrameSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: invalidFrameError('state', parsed.error, requestId) };
  const { request_id, timestamp, payload: report } = parsed.data;
  return { ok: true, frame: { type: 'state', request_id, timestamp, dialect, payload: { devices: [report] } } };
}

function parseSync({ raw, requestId }: FrameEnvelope): ParseResult<InboundFrame> {
  const parsed = syncFrameSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: invalidFrameError('sync', parsed.error, requestId) };
  const { request_id, timestamp, payload } = parsed.data;
  return { ok: true, frame: { type: 'sync', request_id, timestamp, dialect: timestampDialect(raw), payload } };
}

function parseAck({ raw, requestId }: FrameEnvelope): ParseResult<InboundFrame> {
  if ('status' in raw) {
    const parsed = legacyAckFrameSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, error: invalidFrameError('ack', parsed.error, requestId) };
    const { request_id, timestamp } = parsed.data;
    return {
      ok: true,
      frame: { type: 'ack', request_id, timestamp, dialect: 'legacy', payload: outcomeOfLegacyAck(parsed.data) },
    };
  }
  const parsed = currentAckFrameSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: invalidFrameError('ack', parsed.error, requestId) };
  const { request_id, timestamp } = parsed.data;
  return {
    ok: true,
    frame: {
      type: 'ack',
      request_id,
      timestamp,
      dialect: timestampDialect(raw),
      payload: outcomeOfCurrentAck(parsed.data),
    },
  };
}
