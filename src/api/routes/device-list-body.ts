import { appDeviceId, appEntityId } from '../../domain/bridge/app-device-ids.ts';
import type { EntityRow } from '../../projections/queries/device-queries.ts';
import type { AppDeviceListResponse } from '../contracts/app-contract.ts';

export interface AppEntity {
  id: number | string;
  name: string;
  entity_type: string;
  state: unknown;
  unit: string | null;
  is_controllable: boolean;
  capabilities: unknown;
}

export interface AppDevice {
  id: number;
  name: string;
  node_name: string;
  is_online: boolean;
  entities: AppEntity[];
}

/**
 * The app's device list: entities grouped by the edge's `device_name` (the device's `name` and `node_name`), in
 * the edge's order. Absent fields get the Django original's defaults (not controllable, no capabilities).
 */
export function appDeviceList(rows: readonly EntityRow[], gatewayOnline: boolean): AppDeviceListResponse {
  const devices = new Map<string, AppDevice>();
  for (const row of rows) {
    let device = devices.get(row.device_name);
    if (!device) {
      device = {
        id: appDeviceId(row.gateway_id, row.device_name),
        name: row.device_name,
        node_name: row.device_name,
        is_online: gatewayOnline,
        entities: [],
      };
      devices.set(row.device_name, device);
    }
    device.entities.push({
      id: appEntityId(row.entity_id),
      name: row.name,
      entity_type: row.entity_type,
      state: row.state,
      unit: row.unit,
      is_controllable: row.is_controllable ?? false,
      capabilities: row.capabilities ?? {},
    });
  }
  return [...devices.values()];
}
