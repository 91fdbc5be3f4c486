import { randomUUID } from 'node:crypto';
import type { TelemetryEvent } from '../../src/domain/bridge/telemetry-events.ts';

/** A one-device state report from `gatewayId`, numbered by `value` (also its request id, to check order by). */
export function deviceStateReport(gatewayId: string, homeId: string, value: number): TelemetryEvent {
  return {
    type: 'DeviceStatesReported',
    data: {
      session_id: randomUUID(),
      gateway_id: gatewayId,
      home_id: homeId,
      request_id: String(value),
      devices: [{ device_id: 'd1', state: { value }, reported_at: new Date().toISOString() }],
    },
  };
}
