import { createHash } from 'node:crypto';
import type { EntityRow } from '../../projections/queries/device-queries.ts';

/** An edge entity id the app can hold as a number (it parses ids as ints): a canonical decimal, safe as a double. */
const NUMERIC_ID = /^(0|[1-9][0-9]{0,14})$/;

/** The edge's entity id as the app expects it: `"12"` → 12; anything else stays the edge's string. */
export function appEntityId(edgeEntityId: string): number | string {
  return NUMERIC_ID.test(edgeEntityId) ? Number(edgeEntityId) : edgeEntityId;
}

/**
 * The app's device id (it expects a number): the first 48 bits of sha256(gateway id, device name) — stable across
 * inventories, rebuilds and processes, distinct per gateway, and a safe integer for JavaScript.
 */
export function appDeviceId(gatewayId: string, deviceName: string): number {
  return createHash('sha256').update(`${gatewayId}\n${deviceName}`).digest().readUIntBE(0, 6);
}

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
export function appDeviceList(rows: readonly EntityRow[], gatewayOnline: boolean): AppDevice[] {
  const devices = new Map<string, AppDevice>();
  for (const row of rows) {
    let device = devices.get(row.device_name);
    if (!device) {
      device = { id: appDeviceId(row.gateway_id, row.device_name), name: row.device_name, node_name: row.device_name, is_online: gatewayOnline, entities: [] };
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
