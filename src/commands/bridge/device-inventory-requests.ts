import { randomUUID } from 'node:crypto';
import { conflict, forbidden, notFound } from '../../domain/errors.ts';
import { roleIn } from '../../domain/homes/home.ts';
import { can } from '../../domain/homes/roles.ts';
import type { HomeCommands } from '../homes/home-commands.ts';
import type { CommandContext } from '../metadata.ts';
import { deviceInventoryRequested } from './telemetry-events.ts';
import type { TelemetryRecorder } from './telemetry-recorder.ts';

export interface InventoryRequest {
  requestId: string;
  gatewayId: string;
  homeId: string;
}

/**
 * Asking a home's field edge for its device inventory (`get_devices`). The request is an event in the gateway's
 * telemetry stream (`DeviceInventoryRequested`): whichever process holds the gateway's socket follows it and
 * sends `get_devices` with its `request_id`, so the request works from any node, as remote commands do.
 */
export class DeviceInventoryRequests {
  constructor(
    private readonly homes: HomeCommands,
    private readonly recorder: TelemetryRecorder,
  ) {}

  /**
   * Decided on the home stream (role and active gateway), never a read model. `isOnline` says whether the gateway
   * has a session somewhere: nobody would answer otherwise.
   */
  async request(
    homeId: string,
    actorId: string,
    isOnline: (gatewayId: string) => Promise<boolean>,
    context: CommandContext,
  ): Promise<InventoryRequest> {
    const home = await this.homes.load(homeId);
    const role = roleIn(home, actorId);
    if (home.homeId === null || role === null) throw notFound('home_not_found', 'No such home');
    if (!can(role, 'device.sync')) throw forbidden('forbidden', `Your role (${role}) may not do device.sync`);
    const gatewayId = home.activeGatewayId;
    if (gatewayId === null || !(await isOnline(gatewayId))) {
      throw conflict('gateway_offline', 'The home has no connected gateway to ask for its devices');
    }
    const requestId = `sync_${randomUUID()}`;
    await this.recorder.record(
      deviceInventoryRequested({ gatewayId, homeId, requestId, requestedBy: actorId }),
      context,
    );
    return { requestId, gatewayId, homeId };
  }
}
