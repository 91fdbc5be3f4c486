import type {
  FieldControlEntityFrame,
  FieldGetDevicesFrame,
  FieldPongFrame,
  FieldRunSceneFrame,
} from './field-frames.ts';

/** A remote command's device id that names a scene (`scene:<id>`), by the field clients' contract. */
export const SCENE_DEVICE_PREFIX = 'scene:';
export const RUN_SCENE_ACTION = 'run_scene';

/** The edge looks ids up in its database (`Entity.objects.get(id=…)`), as the Django original sent them: integers. */
function edgeId(id: string): string | number {
  if (!/^(0|[1-9]\d{0,15})$/.test(id)) return id;
  const number = Number(id);
  return Number.isSafeInteger(number) ? number : id;
}

/** Django answered the edge's ping with its own timestamp echoed. */
export function buildFieldPong(timestamp: string | number | null): FieldPongFrame {
  return { type: 'pong', timestamp };
}

export function buildGetDevices(requestId: string): FieldGetDevicesFrame {
  return { type: 'get_devices', request_id: requestId };
}

/**
 * A remote command in the field dialect: `scene:<id>` + `run_scene` is a scene; anything else controls an entity
 * (`action` → `command`, `params.value` → `value`, omitted when absent).
 */
export function buildFieldCommand(input: {
  commandId: string;
  deviceId: string;
  action: string;
  params: Record<string, unknown>;
}): FieldControlEntityFrame | FieldRunSceneFrame {
  if (input.action === RUN_SCENE_ACTION && input.deviceId.startsWith(SCENE_DEVICE_PREFIX)) {
    return {
      type: 'run_scene',
      request_id: input.commandId,
      scene_id: edgeId(input.deviceId.slice(SCENE_DEVICE_PREFIX.length)),
    };
  }
  const frame: FieldControlEntityFrame = {
    type: 'control_entity',
    request_id: input.commandId,
    entity_id: edgeId(input.deviceId),
    command: input.action,
  };
  if (input.params['value'] !== undefined) frame.value = input.params['value'];
  return frame;
}
