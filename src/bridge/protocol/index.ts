/**
 * The bridge wire protocol, shared by the cloud bridge and the edge client. Pure: no sockets, no clock.
 * Inbound = edge → cloud, outbound = cloud → edge.
 */
export {
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_JSON_BOUNDS,
  MAX_DEVICE_ID_LENGTH,
  MAX_REQUEST_ID_LENGTH,
  MAX_WIRE_UNIX_SECONDS,
} from './limits.ts';
export { isoDateTimeToUnixSeconds, unixSecondsToIsoDateTime, type UnixSeconds } from './timestamp.ts';
export type { ParseResult, ProtocolError, ProtocolErrorCode, ProtocolIssue } from './protocol-error.ts';
export {
  NEVER_RETRY_CODES,
  RETRY_LATER_CODES,
  retryOf,
  type CloudErrorCode,
  type ErrorRetry,
  type NeverRetryCode,
  type RetryLaterCode,
} from './error-codes.ts';
export {
  INBOUND_FRAME_TYPES,
  OUTBOUND_FRAME_TYPES,
  type AckErrorDetail,
  type AckFrame,
  type AckOutcome,
  type CommandFrame,
  type CommandPayload,
  type DeviceStateReport,
  type Dialect,
  type ErrorFrame,
  type ErrorFramePayload,
  type InboundAckFrame,
  type InboundFrame,
  type InboundFrameType,
  type JsonObject,
  type OutboundFrame,
  type OutboundFrameType,
  type PingFrame,
  type PongFrame,
  type StateFrame,
  type SyncFrame,
  type WelcomeFrame,
  type WelcomePayload,
} from './frame-types.ts';
export type * from './wire-types.ts';
export { parseInboundFrame } from './parse-inbound.ts';
export { parseOutboundFrame } from './parse-outbound.ts';
export { buildAck, buildCommand, buildError, buildPong, buildWelcome } from './build-cloud-frames.ts';
export {
  buildCommandAck,
  buildPing,
  buildStateFrame,
  buildSyncFrame,
  type DeviceStateInput,
} from './build-edge-frames.ts';
export { encodeFrame, encodedFrameBytes } from './encode-frame.ts';
export { currentAckFrameSchema, legacyAckFrameSchema } from './ack-schemas.ts';
export {
  batchStateFrameSchema,
  pingFrameSchema,
  singleDeviceStateFrameSchema,
  syncFrameSchema,
} from './inbound-schemas.ts';
export { commandFrameSchema, errorFrameSchema, pongFrameSchema, welcomeFrameSchema } from './outbound-schemas.ts';
