import type { ErrorRetry } from './error-codes.ts';
import type { UnixSeconds } from './timestamp.ts';

/**
 * Normalised frames: what `parseInboundFrame` / `parseOutboundFrame` return, whichever dialect was on the
 * wire. Field names follow the wire (`request_id`, `payload`) so a normalised frame reads like a frame of the
 * current dialect.
 */

export type JsonObject = { [key: string]: unknown };

/** `current` = Unix-seconds timestamps and `payload`-wrapped acks; `legacy` = what older field gateways send. */
export type Dialect = 'current' | 'legacy';

export interface DeviceStateReport {
  device_id: string;
  state: JsonObject;
  /** When the device reached that state, if the edge knows; null otherwise. */
  ts: UnixSeconds | null;
}

export interface AckErrorDetail {
  code: string;
  message: string;
}

/** An ack's outcome in one shape, whether it came as `{payload:{status:'ok'}}` or `{status:'success', data}`. */
export type AckOutcome = { status: 'ok'; result?: unknown } | { status: 'error'; error: AckErrorDetail };

interface FrameHeader {
  timestamp: UnixSeconds | null;
}

// ---- edge → cloud -------------------------------------------------------------------------------------------

export interface InboundFrameHeader extends FrameHeader {
  /** Which dialect the frame looked like; lets the bridge count gateways still speaking the old one. */
  dialect: Dialect;
}

export interface PingFrame extends InboundFrameHeader {
  type: 'ping';
  /** Legacy gateways omit it on pings. */
  request_id: string | null;
}

export interface StateFrame extends InboundFrameHeader {
  type: 'state';
  request_id: string;
  /** Single-device and batch payloads both become a list. */
  payload: { devices: DeviceStateReport[] };
}

export interface SyncFrame extends InboundFrameHeader {
  type: 'sync';
  request_id: string;
  /** The edge's full metadata snapshot (devices, rooms, scenes…), opaque to the protocol. */
  payload: JsonObject;
}

export interface AckFrame extends FrameHeader {
  type: 'ack';
  request_id: string;
  payload: AckOutcome;
}

export type InboundAckFrame = AckFrame & InboundFrameHeader;

export type InboundFrame = PingFrame | StateFrame | SyncFrame | InboundAckFrame;
export type InboundFrameType = InboundFrame['type'];
export const INBOUND_FRAME_TYPES = ['ping', 'state', 'sync', 'ack'] as const satisfies readonly InboundFrameType[];

// ---- cloud → edge -------------------------------------------------------------------------------------------

export interface WelcomePayload {
  session_id: string;
  /** Seconds between the edge's pings; fractional values are allowed (tests use tiny intervals). */
  heartbeat_interval_s: number;
  server_time: UnixSeconds;
}

export interface WelcomeFrame extends FrameHeader {
  type: 'welcome';
  request_id: string | null;
  payload: WelcomePayload;
}

export interface PongFrame extends FrameHeader {
  type: 'pong';
  /** Echoes the ping's request_id; null when answering a legacy ping that had none. */
  request_id: string | null;
}

/** An error's detail as an `error` frame carries it: what to do with the frame it refers to is in `retry`. */
export interface ErrorFramePayload extends AckErrorDetail {
  retry: ErrorRetry;
}

export interface ErrorFrame extends FrameHeader {
  type: 'error';
  request_id: string | null;
  payload: ErrorFramePayload;
}

export interface CommandPayload {
  device_id: string;
  action: string;
  params: JsonObject;
}

export interface CommandFrame extends FrameHeader {
  type: 'command';
  /** The remote command's id; the edge's ack must carry it. */
  request_id: string;
  payload: CommandPayload;
}

export type OutboundFrame = WelcomeFrame | PongFrame | AckFrame | ErrorFrame | CommandFrame;
export type OutboundFrameType = OutboundFrame['type'];
export const OUTBOUND_FRAME_TYPES = [
  'welcome',
  'pong',
  'ack',
  'error',
  'command',
] as const satisfies readonly OutboundFrameType[];
