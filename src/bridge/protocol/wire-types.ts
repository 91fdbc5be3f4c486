import type { ErrorRetry } from './error-codes.ts';
import type { AckErrorDetail, JsonObject, WelcomePayload } from './frame-types.ts';
import type { UnixSeconds } from './timestamp.ts';

/**
 * Frames exactly as the builders put them on the wire (before JSON encoding). Parsing them back gives the
 * normalised shapes of frame-types.ts.
 */

/** Unix seconds in the current dialect, an ISO-8601 string in the legacy one. */
export type WireTimestamp = UnixSeconds | string;

export interface WireWelcomeFrame {
  type: 'welcome';
  request_id: string;
  timestamp: UnixSeconds;
  payload: WelcomePayload;
}

export interface WirePongFrame {
  type: 'pong';
  /** Absent when the ping had none (legacy). */
  request_id?: string;
  timestamp: UnixSeconds;
  payload: JsonObject;
}

export interface WireCloudAckFrame {
  type: 'ack';
  request_id: string;
  timestamp: UnixSeconds;
  payload: { status: 'ok' | 'error'; result?: unknown; error?: AckErrorDetail };
}

export interface WireErrorFrame {
  type: 'error';
  request_id?: string;
  timestamp: UnixSeconds;
  /**
   * `retry` (always written by this cloud; absent from older ones) says whether the frame it refers to may be sent
   * again; `details.issues` says what exactly did not match, for frames the parser refused.
   */
  payload: AckErrorDetail & { retry?: ErrorRetry; details?: { issues: unknown } };
}

/** Carries both dialects' field names so old and new edges understand it. */
export interface WireCommandFrame {
  type: 'command';
  request_id: string;
  timestamp: UnixSeconds;
  payload: { device_id: string; action: string; params: JsonObject; entity_id: string; value: JsonObject };
}

export type WireOutboundFrame =
  WireWelcomeFrame | WirePongFrame | WireCloudAckFrame | WireErrorFrame | WireCommandFrame;

export interface WirePingFrame {
  type: 'ping';
  request_id?: string;
  timestamp: WireTimestamp;
  payload: JsonObject;
}

export interface WireDeviceStateReport {
  device_id: string;
  state: JsonObject;
  ts?: WireTimestamp;
}

export interface WireStateFrame {
  type: 'state';
  request_id: string;
  timestamp: WireTimestamp;
  payload: { devices: WireDeviceStateReport[] };
}

export interface WireSyncFrame {
  type: 'sync';
  request_id: string;
  timestamp: WireTimestamp;
  payload: JsonObject;
}

export interface WireCurrentAckFrame {
  type: 'ack';
  request_id: string;
  timestamp: UnixSeconds;
  payload: { status: 'ok' | 'error'; result?: unknown; error?: AckErrorDetail };
}

export interface WireLegacyAckFrame {
  type: 'ack';
  request_id: string;
  timestamp: string;
  status: 'success' | 'error';
  data: unknown;
}

export type WireInboundFrame =
  WirePingFrame | WireStateFrame | WireSyncFrame | WireCurrentAckFrame | WireLegacyAckFrame;
