import { InvalidTokenError, type TokenService } from '../api/auth/token-service.ts';
import { AppSocketGate } from '../bridge/app-sockets/app-socket-gate.ts';
import { AppSocketHub } from '../bridge/app-sockets/app-socket-hub.ts';
import { DEFAULT_APP_SOCKET_SETTINGS } from '../bridge/app-sockets/app-socket.ts';
import type { Config } from '../config.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import type { DeviceQueries } from '../projections/queries/device-queries.ts';
import type { MembershipQueries } from '../projections/queries/membership-queries.ts';

export interface AppSocketParts {
  config: Config;
  logger: Logger;
  store: EventStore;
  deviceViews: DeviceQueries;
  memberships: MembershipQueries;
  tokens: TokenService;
}

/** The mobile app's live socket (`/ws/home/{id}/`): the gate admits by access token, the hub feeds it from the log. */
export function createAppSockets(parts: AppSocketParts): { hub: AppSocketHub; gate: AppSocketGate } {
  const hub = new AppSocketHub(parts.store, parts.deviceViews, parts.logger);
  const gate = new AppSocketGate({
    verifyAccessToken: async (token) => {
      try {
        return await parts.tokens.verifyAccess(token);
      } catch (error) {
        if (error instanceof InvalidTokenError) return null;
        throw error;
      }
    },
    memberships: parts.memberships,
    hub,
    logger: parts.logger,
    maxSocketsPerUser: parts.config.APP_SOCKETS_PER_USER,
    settings: DEFAULT_APP_SOCKET_SETTINGS,
  });
  return { hub, gate };
}
