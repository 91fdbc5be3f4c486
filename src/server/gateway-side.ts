import type { GatewayAuthenticator } from '../commands/gateways/gateway-authenticator.ts';
import type { TelemetryRecorder } from '../commands/bridge/telemetry-recorder.ts';
import type { RemoteCommands } from '../commands/remote-control/remote-commands.ts';
import { CommandRelay } from '../bridge/command-relay.ts';
import { CommandSweeper } from '../bridge/command-sweeper.ts';
import { GatewayBridge } from '../bridge/gateway-bridge.ts';
import type { SessionSettings } from '../bridge/gateway-session-types.ts';
import { HandshakeThrottle, handshakeThrottleSettings } from '../bridge/handshake-throttle.ts';
import { LeaseGuardedTelemetry } from '../bridge/lease-guarded-telemetry.ts';
import type { Config } from '../config.ts';
import { REMOTE_COMMAND_EVENT_TYPES } from '../domain/remote-control/remote-command-events.ts';
import { SharedRead } from '../eventstore/shared-read.ts';
import type { LimiterBackend } from '../limits/limiter-backend.ts';
import type { Logger } from '../logger.ts';
import type { ProcessMetrics } from '../metrics/process-metrics.ts';
import type { ProjectionSet } from '../projections/projection-set.ts';
import type { BridgeQueries } from '../projections/queries/bridge-queries.ts';
import type { RemoteCommandQueries } from '../projections/queries/remote-command-queries.ts';
import type { Stores } from '../stores.ts';
import { NodeMembership } from './node-membership.ts';

export interface GatewaySideParts {
  config: Config;
  logger: Logger;
  nodeId: string;
  stores: Stores;
  projections: ProjectionSet;
  recorder: TelemetryRecorder;
  gatewayAuthenticator: GatewayAuthenticator;
  remoteCommands: RemoteCommands;
  remoteCommandViews: RemoteCommandQueries;
  bridgeViews: BridgeQueries;
  /** Where the handshake back-off is counted: in memory, or in Redis (shared by every node). */
  limits: LimiterBackend;
  metrics?: ProcessMetrics;
}

/** The running gateway side of a node: sessions, the relay of remote commands to them, and the expiry sweep. */
export interface GatewaySide {
  bridge: GatewayBridge;
  relay: CommandRelay;
  sweeper: CommandSweeper;
  /** This node's lease, and the look-out for lost nodes. */
  membership: NodeMembership;
}

export function sessionSettings(config: Config): SessionSettings {
  return {
    heartbeatIntervalS: config.HEARTBEAT_INTERVAL_S,
    heartbeatTimeoutS: config.HEARTBEAT_TIMEOUT_S,
    maxFrameBytes: config.BRIDGE_MAX_FRAME_BYTES,
    maxFramesPerSecond: config.BRIDGE_RATE_LIMIT_PER_S,
    rateLimitGraceWindows: 1,
    maxSyncBytes: config.BRIDGE_MAX_FRAME_BYTES,
    telemetryBytesPerMinute: config.BRIDGE_TELEMETRY_BYTES_PER_MIN,
    maxRefusedFrames: config.BRIDGE_MAX_REFUSED_FRAMES,
    refusedFramesWindowS: 60,
  };
}

/**
 * Builds and starts the gateway side before the API exists, so the API is handed a running relay. The node takes
 * its lease first, and closes the sessions a previous run of it left open (once the sessions read model has
 * caught up); then the bridge follows credentials, the relay follows commands, and the node watches for lost ones.
 */
export async function startGatewaySide(parts: GatewaySideParts): Promise<GatewaySide> {
  const { config, logger, nodeId, stores, projections } = parts;
  const membership = new NodeMembership({
    nodeId,
    heartbeatTimeoutS: config.HEARTBEAT_TIMEOUT_S,
    stores,
    projections,
    recorder: parts.recorder,
    bridgeViews: parts.bridgeViews,
    logger,
  });
  const bridge = new GatewayBridge({
    nodeId,
    settings: sessionSettings(config),
    authenticate: (gatewayId, secret) => parts.gatewayAuthenticator.verifyGatewaySecret(gatewayId, secret),
    // Every session event is written only while this node holds its lease (a lost node's are closed by another).
    recorder: new LeaseGuardedTelemetry(parts.recorder, membership.liveness),
    store: stores.eventStore,
    logger,
    trustProxy: config.TRUST_PROXY,
    failedHandshakes: new HandshakeThrottle(handshakeThrottleSettings(config.BRIDGE_AUTH_FAILURE_LIMIT), parts.limits),
    metrics: parts.metrics?.bridge,
    admissionTimeoutMs: config.BRIDGE_ADMISSION_TIMEOUT_MS,
  });
  parts.metrics?.bridge.watchSessions(() => bridge.openSessionsByDialect());
  await membership.join();
  await bridge.startFollowing();
  // The relay's start-up snapshot waits for the read model to reach the head (and, only if that timed out, every
  // welcomed gateway too): shared head reads keep a burst of them cheap.
  const sharedHead = new SharedRead(() => stores.eventStore.headPosition());
  const relay = new CommandRelay({
    bridge,
    commands: parts.remoteCommands,
    queries: parts.remoteCommandViews,
    store: stores.eventStore,
    nodeId,
    logger,
    readModelCaughtUp: async () => projections.waitFor(await sharedHead.get(), REMOTE_COMMAND_EVENT_TYPES, 5000),
  });
  await relay.start();
  const sweeper = new CommandSweeper(
    parts.remoteCommands,
    parts.remoteCommandViews,
    config.REMOTE_COMMAND_SWEEP_INTERVAL_MS,
    logger,
    nodeId,
  );
  sweeper.start();
  membership.startWatching(bridge);
  return { bridge, relay, sweeper, membership };
}
