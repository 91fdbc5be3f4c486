import { createHash } from 'node:crypto';

/** An edge entity id the app can hold as a number (it parses ids as ints): a canonical decimal, safe as a double. */
const NUMERIC_ID = /^(0|[1-9][0-9]{0,14})$/;

/** The edge's entity id as the mobile app expects it: `"12"` → 12; anything else stays the edge's string. */
export function appEntityId(edgeEntityId: string): number | string {
  return NUMERIC_ID.test(edgeEntityId) ? Number(edgeEntityId) : edgeEntityId;
}

/**
 * The app's device id (it expects a number) for the entities an edge groups under one `device_name`: the first
 * 48 bits of sha256(gateway id, device name). Stable across inventories, rebuilds and processes, distinct per
 * gateway, and a safe integer in JavaScript. (Hashing is pure: the same inputs always give the same id.)
 */
export function appDeviceId(gatewayId: string, deviceName: string): number {
  return createHash('sha256').update(`${gatewayId}\n${deviceName}`).digest().readUIntBE(0, 6);
}
