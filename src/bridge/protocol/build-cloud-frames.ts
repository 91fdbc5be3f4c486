import { retryOf } from './error-codes.ts';
import type { AckErrorDetail, AckOutcome, JsonObject, WelcomePayload } from './frame-types.ts';
import type { ProtocolIssue } from './protocol-error.ts';
import type { UnixSeconds } from './timestamp.ts';
import type {
  WireCloudAckFrame,
  WireCommandFrame,
  WireErrorFrame,
  WirePongFrame,
  WireWelcomeFrame,
} from './wire-types.ts';

/**
 * Builders for cloud → edge frames. Time is passed in (no clock here) so frames are reproducible in tests.
 * The cloud always writes the current dialect, except for `command`, which also carries the legacy field
 * names (`entity_id`, `value`) because old edges read those.
 */

export function buildWelcome(input: {
  requestId: string;
  timestamp: UnixSeconds;
  sessionId: string;
  heartbeatIntervalS: number;
}): WireWelcomeFrame {
  const payload: WelcomePayload = {
    session_id: input.sessionId,
    heartbeat_interval_s: input.heartbeatIntervalS,
    server_time: input.timestamp,
  };
  return { type: 'welcome', request_id: input.requestId, timestamp: input.timestamp, payload };
}

/** Echoes the ping's request_id; a legacy ping without one gets a pong without one. */
export function buildPong(input: { requestId: string | null; timestamp: UnixSeconds }): WirePongFrame {
  const frame: WirePongFrame = { type: 'pong', timestamp: input.timestamp, payload: {} };
  if (input.requestId !== null) frame.request_id = input.requestId;
  return frame;
}

/** Answers a `state` or `sync` once it is stored (or refuses it with an error outcome). */
export function buildAck(input: {
  requestId: string;
  timestamp: UnixSeconds;
  outcome?: AckOutcome;
}): WireCloudAckFrame {
  const outcome = input.outcome ?? { status: 'ok' };
  const payload: WireCloudAckFrame['payload'] =
    outcome.status === 'ok'
      ? outcome.result === undefined
        ? { status: 'ok' }
        : { status: 'ok', result: outcome.result }
      : { status: 'error', error: outcome.error };
  return { type: 'ack', request_id: input.requestId, timestamp: input.timestamp, payload };
}

/** `retry` follows from the code (error-codes.ts), so the cloud cannot send a code with the wrong advice. */
export function buildError(input: {
  requestId: string | null;
  timestamp: UnixSeconds;
  error: AckErrorDetail;
  issues?: readonly ProtocolIssue[];
}): WireErrorFrame {
  const frame: WireErrorFrame = {
    type: 'error',
    timestamp: input.timestamp,
    payload: { code: input.error.code, message: input.error.message, retry: retryOf(input.error.code) },
  };
  if (input.issues !== undefined) frame.payload.details = { issues: input.issues };
  if (input.requestId !== null) frame.request_id = input.requestId;
  return frame;
}

export function buildCommand(input: {
  commandId: string;
  timestamp: UnixSeconds;
  deviceId: string;
  action: string;
  params?: JsonObject | undefined;
}): WireCommandFrame {
  const params = input.params ?? {};
  return {
    type: 'command',
    request_id: input.commandId,
    timestamp: input.timestamp,
    payload: { device_id: input.deviceId, action: input.action, params, entity_id: input.deviceId, value: params },
  };
}
