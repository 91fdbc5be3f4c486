import { appDeviceId, appEntityId } from '../../domain/bridge/app-device-ids.ts';

/** What the live socket knows of a home's gateway: which device each entity belongs to (its latest inventory). */
export interface HomeDevices {
  gatewayId: string | null;
  /** Entity id → the edge's device name. */
  deviceNames: ReadonlyMap<string, string>;
}

interface ReportedState {
  device_id: string;
  state: unknown;
}

/**
 * `entity_state {entity_id, state, device_id?, is_online}` per reported state, ids as the device list gives them
 * (so the app finds the entity it holds). `device_id` only for entities of the inventory.
 */
export function entityStateFrames(
  devices: HomeDevices,
  gatewayId: string,
  states: readonly ReportedState[],
): Array<Record<string, unknown>> {
  return states.map((reported) => {
    const deviceName = devices.deviceNames.get(reported.device_id);
    return {
      type: 'entity_state',
      entity_id: appEntityId(reported.device_id),
      state: reported.state,
      ...(deviceName === undefined ? {} : { device_id: appDeviceId(gatewayId, deviceName) }),
      // A report arrived through an open session: the gateway, and so its devices, are online.
      is_online: true,
    };
  });
}

/** `device_status {device_id, is_online}` for every device of the gateway's inventory (its session opened or closed). */
export function deviceStatusFrames(
  devices: HomeDevices,
  gatewayId: string,
  isOnline: boolean,
): Array<Record<string, unknown>> {
  const names = new Set(devices.deviceNames.values());
  return [...names].map((name) => ({
    type: 'device_status',
    device_id: appDeviceId(gatewayId, name),
    is_online: isOnline,
  }));
}
