import type { AckOutcome, Dialect, JsonObject } from './frame-types.ts';
import { unixSecondsToIsoDateTime, type UnixSeconds } from './timestamp.ts';
import type {
  WireCurrentAckFrame,
  WireDeviceStateReport,
  WireLegacyAckFrame,
  WirePingFrame,
  WireStateFrame,
  WireSyncFrame,
  WireTimestamp,
} from './wire-types.ts';

/**
 * Builders for edge → cloud frames in either dialect. The edge client uses them; the cloud's tests use them
 * to play a gateway. `legacy` reproduces what field gateways send: ISO timestamps, pings without request_id,
 * acks with a top-level `status: 'success'|'error'` and `data`.
 */

export interface DeviceStateInput {
  deviceId: string;
  state: JsonObject;
  /** When the device reached that state (Unix seconds), if known. */
  ts?: UnixSeconds;
}

function wireTimestamp(dialect: Dialect, seconds: UnixSeconds): WireTimestamp {
  return dialect === 'legacy' ? unixSecondsToIsoDateTime(seconds) : seconds;
}

export function buildPing(input: { dialect: Dialect; requestId: string; timestamp: UnixSeconds }): WirePingFrame {
  const frame: WirePingFrame = { type: 'ping', timestamp: wireTimestamp(input.dialect, input.timestamp), payload: {} };
  if (input.dialect === 'current') frame.request_id = input.requestId;
  return frame;
}

export function buildStateFrame(input: {
  dialect: Dialect;
  requestId: string;
  timestamp: UnixSeconds;
  devices: readonly DeviceStateInput[];
}): WireStateFrame {
  const devices = input.devices.map((device): WireDeviceStateReport => {
    const report: WireDeviceStateReport = { device_id: device.deviceId, state: device.state };
    if (device.ts !== undefined) report.ts = wireTimestamp(input.dialect, device.ts);
    return report;
  });
  return {
    type: 'state',
    request_id: input.requestId,
    timestamp: wireTimestamp(input.dialect, input.timestamp),
    payload: { devices },
  };
}

export function buildSyncFrame(input: {
  dialect: Dialect;
  requestId: string;
  timestamp: UnixSeconds;
  snapshot: JsonObject;
}): WireSyncFrame {
  return {
    type: 'sync',
    request_id: input.requestId,
    timestamp: wireTimestamp(input.dialect, input.timestamp),
    payload: input.snapshot,
  };
}

/** The edge's answer to a `command`, carrying the command's id as request_id. */
export function buildCommandAck(input: {
  dialect: Dialect;
  commandId: string;
  timestamp: UnixSeconds;
  outcome: AckOutcome;
}): WireCurrentAckFrame | WireLegacyAckFrame {
  const { outcome } = input;
  if (input.dialect === 'legacy') {
    return {
      type: 'ack',
      request_id: input.commandId,
      timestamp: unixSecondsToIsoDateTime(input.timestamp),
      status: outcome.status === 'ok' ? 'success' : 'error',
      // Legacy readers look for `error` (the message) in data; code and message are kept for newer ones.
      data:
        outcome.status === 'ok'
          ? (outcome.result ?? {})
          : { code: outcome.error.code, message: outcome.error.message, error: outcome.error.message },
    };
  }
  const payload: WireCurrentAckFrame['payload'] =
    outcome.status === 'ok'
      ? outcome.result === undefined
        ? { status: 'ok' }
        : { status: 'ok', result: outcome.result }
      : { status: 'error', error: outcome.error };
  return { type: 'ack', request_id: input.commandId, timestamp: input.timestamp, payload };
}
