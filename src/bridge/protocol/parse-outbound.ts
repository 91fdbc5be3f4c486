import { currentAckFrameSchema, legacyAckFrameSchema } from './ack-schemas.ts';
import { outcomeOfCurrentAck, outcomeOfLegacyAck } from './ack-outcome.ts';
import { OUTBOUND_FRAME_TYPES, type OutboundFrame } from './frame-types.ts';
import { CLOUD_FRAME_JSON_BOUNDS, DEFAULT_MAX_FRAME_BYTES } from './limits.ts';
import { commandFrameSchema, errorFrameSchema, pongFrameSchema, welcomeFrameSchema } from './outbound-schemas.ts';
import type { ParseResult } from './protocol-error.ts';
import { invalidFrameError, readFrameEnvelope, unknownTypeError, type FrameEnvelope } from './read-frame-envelope.ts';

/** Parses one cloud → edge frame into its normalised shape (the edge client's view of the protocol). */
export function parseOutboundFrame(
  text: string,
  maxBytes: number = DEFAULT_MAX_FRAME_BYTES,
): ParseResult<OutboundFrame> {
  const read = readFrameEnvelope(text, maxBytes, CLOUD_FRAME_JSON_BOUNDS);
  if (!read.ok) return read;
  const { envelope } = read;
  switch (envelope.type) {
    case 'welcome':
      return parseWelcome(envelope);
    case 'pong':
      return parsePong(envelope);
    case 'ack':
      return parseAck(envelope);
    case 'error':
      return parseError(envelope);
    case 'command':
      return parseCommand(envelope);
    default:
      return { ok: false, error: unknownTypeError(envelope.type, OUTBOUND_FRAME_TYPES, envelope.requestId) };
  }
}

function parseWelcome({ raw, requestId }: FrameEnvelope): ParseResult<OutboundFrame> {
  const parsed = welcomeFrameSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: invalidFrameError('welcome', parsed.error, requestId) };
  const { request_id, timestamp, payload } = parsed.data;
  return { ok: true, frame: { type: 'welcome', request_id: request_id ?? null, timestamp, payload } };
}

function parsePong({ raw, requestId }: FrameEnvelope): ParseResult<OutboundFrame> {
  const parsed = pongFrameSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: invalidFrameError('pong', parsed.error, requestId) };
  const { request_id, timestamp } = parsed.data;
  return { ok: true, frame: { type: 'pong', request_id: request_id ?? null, timestamp } };
}

function parseAck({ raw, requestId }: FrameEnvelope): ParseResult<OutboundFrame> {
  if ('status' in raw) {
    const parsed = legacyAckFrameSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, error: invalidFrameError('ack', parsed.error, requestId) };
    const { request_id, timestamp } = parsed.data;
    return { ok: true, frame: { type: 'ack', request_id, timestamp, payload: outcomeOfLegacyAck(parsed.data) } };
  }
  const parsed = currentAckFrameSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: invalidFrameError('ack', parsed.error, requestId) };
  const { request_id, timestamp } = parsed.data;
  return { ok: true, frame: { type: 'ack', request_id, timestamp, payload: outcomeOfCurrentAck(parsed.data) } };
}

function parseError({ raw, requestId }: FrameEnvelope): ParseResult<OutboundFrame> {
  const parsed = errorFrameSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: invalidFrameError('error', parsed.error, requestId) };
  const { request_id, timestamp, payload } = parsed.data;
  return { ok: true, frame: { type: 'error', request_id: request_id ?? null, timestamp, payload } };
}

function parseCommand({ raw, requestId }: FrameEnvelope): ParseResult<OutboundFrame> {
  const parsed = commandFrameSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: invalidFrameError('command', parsed.error, requestId) };
  const { request_id, timestamp, payload } = parsed.data;
  // The schema's refinement guarantees one of the two names is present.
  const deviceId = payload.device_id ?? payload.entity_id ?? '';
  const params = payload.params ?? payload.value ?? {};
  return {
    ok: true,
    frame: { type: 'command', request_id, timestamp, payload: { device_id: deviceId, action: payload.action, params } },
  };
}
