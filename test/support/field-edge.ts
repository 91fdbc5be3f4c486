// Test helper: frames are asserted field by field in the tests, so they are typed loosely (any).
import { GatewaySocket } from './gateway-socket.ts';

/** An entity as the edge's `send_device_list` writes it (`core/cloud_client.py`). */
export interface FieldEntity {
  id: string;
  name: string;
  entity_type: string;
  state: unknown;
  device_name: string;
}

/** `datetime.now().isoformat()` on the edge: its local wall-clock time, no zone, microseconds. */
export function naiveLocalIsoTime(date = new Date()): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds() * 1000, 6)}`
  );
}

/**
 * A TypeScript re-creation of the field edge's cloud client (`core/cloud_client.py`, the one Django starts): it
 * connects to `/ws/gateway/` with its credentials in the query, not URL-encoded, and speaks the flat frames of
 * that file. Frames are awaited by type (GatewaySocket), never slept for.
 */
export class FieldEdge {
  private constructor(readonly socket: GatewaySocket) {}

  static async connect(
    baseUrl: string,
    credentials: { gatewayId: string; secret: string },
    path = '/ws/gateway/',
    headers: Record<string, string> = {},
  ): Promise<FieldEdge> {
    // f"{CLOUD_BRIDGE_URL}?gateway_id={gid}&secret={self.gateway_secret}": no encoding.
    const socket = await GatewaySocket.connect(baseUrl, null, {
      path: `${path}?gateway_id=${credentials.gatewayId}&secret=${credentials.secret}`,
      headers,
    });
    return new FieldEdge(socket);
  }

  next(type: string): Promise<any> {
    return this.socket.next(type);
  }

  /** Answers the next `get_devices` as `send_device_list` does; returns its request_id. */
  async answerGetDevices(entities: FieldEntity[]): Promise<string> {
    const request = await this.next('get_devices');
    this.socket.send({ type: 'devices_response', request_id: request.request_id, devices: entities });
    return request.request_id as string;
  }

  /** `broadcast_state_update(entity_id, state)`. */
  stateUpdate(entityId: string | number, state: unknown, timestamp = naiveLocalIsoTime()): string {
    this.socket.send({ type: 'state_update', entity_id: entityId, state, timestamp });
    return timestamp;
  }

  ping(): void {
    this.socket.send({ type: 'ping', timestamp: naiveLocalIsoTime() });
  }

  /** `handle_control_command`: an ack on success, `error {message: "Entity <id> not found"}` for an unknown entity. */
  async answerControl(known: ReadonlySet<string>): Promise<any> {
    const frame = await this.next('control_entity');
    if (known.has(String(frame.entity_id))) {
      this.socket.send({
        type: 'ack',
        request_id: frame.request_id,
        status: 'success',
        message: `Command sent to entity ${frame.entity_id}`,
      });
    } else {
      this.socket.send({ type: 'error', request_id: frame.request_id, message: `Entity ${frame.entity_id} not found` });
    }
    return frame;
  }

  close(): void {
    this.socket.close();
  }
}
