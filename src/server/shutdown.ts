import type http from 'node:http';
import { APP_CLOSE } from '../bridge/app-sockets/app-socket.ts';
import type { AppSocketHub } from '../bridge/app-sockets/app-socket-hub.ts';
import type { CommandOutcomes } from '../commands/remote-control/command-outcomes.ts';
import type { Logger } from '../logger.ts';
import type { ProjectionLagSampler } from '../projections/projection-lag-sampler.ts';
import type { ProjectionSet } from '../projections/projection-set.ts';
import type { Stores } from '../stores.ts';
import type { GatewaySide } from './gateway-side.ts';

export interface ShutdownParts {
  gatewaySide: GatewaySide;
  commandOutcomes: CommandOutcomes;
  appSockets: AppSocketHub;
  server: http.Server;
  projections: ProjectionSet;
  /** Reads the checkpoints: stops before the stores close. */
  sampler: ProjectionLagSampler;
  stores: Stores;
  logger: Logger;
}

/**
 * A node's orderly stop, run once however often it is asked for. Sessions first, so each gateway's
 * BridgeSessionClosed(server_shutdown) is written while the stores are up; then the sockets and the HTTP server
 * drain; the projections and stores close last.
 */
export function shutdownOnce(parts: ShutdownParts): () => Promise<void> {
  let closing: Promise<void> | null = null;
  return () => {
    closing ??= shutdown(parts);
    return closing;
  };
}

async function shutdown({
  gatewaySide,
  commandOutcomes,
  appSockets,
  server,
  projections,
  sampler,
  stores,
  logger,
}: ShutdownParts): Promise<void> {
  // First: requests waiting for a command's outcome answer 503 shutting_down now, not after their timeout_s.
  commandOutcomes.stop();
  gatewaySide.relay.stop();
  await gatewaySide.sweeper.stop();
  await gatewaySide.membership.stopReaping();
  await gatewaySide.bridge.closeAll('server_shutdown');
  // Every session's close is written: the lease goes, so no other node takes this one for lost.
  await gatewaySide.membership.leave();
  appSockets.closeAll(APP_CLOSE.shutdown, 'server shutting down');
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  await sampler.stop();
  await projections.stop();
  await stores.close();
  logger.info('stopped');
}
