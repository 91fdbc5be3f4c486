import { walkAccounts, type WalkResult } from './account-walk.ts';
import { walkBridge } from './bridge-walk.ts';
import { walkFieldEdge } from './field-edge-walk.ts';
import { finishHomes, walkHomes, type HomeWalkResult } from './home-walk.ts';
import type { MovableClock } from './movable-clock.ts';
import { walkRemoteCommands } from './remote-command-walk.ts';
import { walkStaff } from './staff-walk.ts';
import type { TestServer } from './test-server.ts';

export interface CatalogueWalkResult {
  account: WalkResult;
  homes: HomeWalkResult;
}

/**
 * Every capability's use cases, in the order a real deployment meets them, over real HTTP and a real gateway
 * WebSocket: accounts, homes/permissions/gateways/pairing, the bridge, remote commands, the field edges' socket,
 * then the gateways' end.
 * The server needs `clock` (pairing expiry) and a short REMOTE_COMMAND_SWEEP_INTERVAL_MS (command expiry).
 */
export async function walkCatalogue(server: TestServer, clock: MovableClock): Promise<CatalogueWalkResult> {
  const account = await walkAccounts(server.url);
  await walkStaff(server);
  const homes = await walkHomes(server, clock);
  const socket = await walkBridge(server.url, homes.gateway);
  await walkRemoteCommands(homes.owner.http, socket, homes.gateway.gatewayId);
  await walkFieldEdge(server.url, homes.owner.http, homes.homeId, homes.gateway);
  await finishHomes(homes);
  return { account, homes };
}
