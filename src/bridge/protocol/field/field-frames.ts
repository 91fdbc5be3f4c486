/**
 * The field dialect's frames after parsing. Inbound = edge → cloud; outbound = cloud → edge.
 */

export interface FieldInventoryEntity {
  entity_id: string;
  name: string;
  entity_type: string;
  device_name: string;
  /** Exactly as the edge sent it: often a bare string (`"21.5"`, `"ON"`). */
  state: unknown;
  unit?: string | null | undefined;
  is_controllable?: boolean | undefined;
  capabilities?: unknown;
}

export type FieldInboundFrame =
  | { type: 'ping'; timestamp: string | number | null }
  | { type: 'devices_response'; request_id: string; entities: FieldInventoryEntity[] }
  | { type: 'state_update'; entity_id: string; state: unknown; timestamp: string | null }
  /** `ack` with `status: "success"` is `ok`; any other status is a failure with the message. */
  | { type: 'ack'; request_id: string; ok: boolean; message: string }
  | { type: 'error'; request_id: string | null; message: string }
  | { type: 'sync_request'; request_id: string | null };

export type FieldInboundFrameType = FieldInboundFrame['type'];
export const FIELD_INBOUND_FRAME_TYPES = [
  'ping',
  'devices_response',
  'state_update',
  'ack',
  'error',
  'sync_request',
] as const satisfies readonly FieldInboundFrameType[];

export type FieldPongFrame = { type: 'pong'; timestamp: string | number | null };
export type FieldGetDevicesFrame = { type: 'get_devices'; request_id: string };
export type FieldControlEntityFrame = {
  type: 'control_entity';
  request_id: string;
  entity_id: string | number;
  command: string;
  value?: unknown;
};
export type FieldRunSceneFrame = { type: 'run_scene'; request_id: string; scene_id: string | number };

export type FieldOutboundFrame = FieldPongFrame | FieldGetDevicesFrame | FieldControlEntityFrame | FieldRunSceneFrame;
