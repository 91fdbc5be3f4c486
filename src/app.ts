import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import Koa from 'koa';
import websockify from 'koa-websocket';
import { installApi } from './api/create-api.ts';
import { TokenService } from './api/auth/token-service.ts';
import { RateLimiter } from './api/rate-limiter.ts';
import type { ReadinessCheck } from './api/routes/health-routes.ts';
import { AccountCommands } from './commands/accounts/account-commands.ts';
import { PasswordHasher } from './commands/accounts/password-hasher.ts';
import { ChainedAppends } from './commands/chained-appends.ts';
import { CompensationFailures } from './commands/compensation-failures.ts';
import { EventSourcedCommandHandler } from './commands/event-sourced-command-handler.ts';
import type { WriteResult } from './commands/write-result.ts';
import { GatewayAuthenticator } from './commands/gateways/gateway-authenticator.ts';
import { GatewayCommands } from './commands/gateways/gateway-commands.ts';
import { PairingCommands } from './commands/gateways/pairing-commands.ts';
import { SecretDigester } from './commands/gateways/secret-digester.ts';
import { HomeCommands } from './commands/homes/home-commands.ts';
import type { Config } from './config.ts';
import type { EventStore } from './eventstore/port.ts';
import { eventCatalogue } from './domain/catalogue.ts';
import { resolveJwtSecret } from './jwt-secret.ts';
import type { Logger } from './logger.ts';
import { allProjections } from './projections/all-projections.ts';
import { ProjectionSet } from './projections/projection-set.ts';
import { projectionReadiness } from './projections/projection-readiness.ts';
import { GatewayQueries } from './projections/queries/gateway-queries.ts';
import { MembershipQueries } from './projections/queries/membership-queries.ts';
import { UserQueries } from './projections/queries/user-queries.ts';
import { openStores, type Stores } from './stores.ts';
import { BridgeQueries } from './projections/queries/bridge-queries.ts';
import { DeviceQueries } from './projections/queries/device-queries.ts';
import { TelemetryRecorder } from './commands/bridge/telemetry-recorder.ts';
import { DeviceInventoryRequests } from './commands/bridge/device-inventory-requests.ts';
import { CrossStreamAppender } from './commands/cross-stream-appender.ts';
import { GatewayBridge } from './bridge/gateway-bridge.ts';
import { HandshakeThrottle, handshakeThrottleSettings } from './bridge/handshake-throttle.ts';
import { closeOrphanedSessions } from './bridge/close-orphaned-sessions.ts';
import { CommandRelay } from './bridge/command-relay.ts';
import { CommandSweeper } from './bridge/command-sweeper.ts';
import { CommandOutcomes } from './commands/remote-control/command-outcomes.ts';
import { RemoteCommands } from './commands/remote-control/remote-commands.ts';
import { RemoteCommandQueries } from './projections/queries/remote-command-queries.ts';
import { AuditQueries } from './projections/queries/audit-queries.ts';
import { auditIndexProjection } from './projections/read-models/audit-index-projection.ts';
import { REMOTE_COMMAND_EVENT_TYPES } from './domain/remote-control/remote-command-events.ts';
import { SharedHeadReader } from './eventstore/shared-head-reader.ts';
import { AppSocketHub } from './bridge/app-sockets/app-socket-hub.ts';
import { AppSocketGate } from './bridge/app-sockets/app-socket-gate.ts';
import { APP_CLOSE, DEFAULT_APP_SOCKET_SETTINGS } from './bridge/app-sockets/app-socket.ts';
import { InvalidTokenError } from './api/auth/token-service.ts';

export interface RunningServer {
  /** http://host:port of the listening server. */
  url: string;
  port: number;
  stores: Stores;
  projections: ProjectionSet;
  nodeId: string;
  /** Gateway credential checks (the bridge's entry point). */
  gatewayAuthenticator: GatewayAuthenticator;
  bridge: GatewayBridge;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** The clock pairing codes expire by and abandoned claims age by; tests move it instead of sleeping. */
  clock?: () => Date;
  /** Tests only: wraps the opened event store (e.g. to break live subscriptions at a chosen moment). */
  wrapEventStore?: (store: EventStore) => EventStore;
}

/**
 * The composition root: opens the stores, migrates and starts the projections, installs the API (and the
 * bridge) on one Koa app, and listens. `close()` stops accepting, drains, and closes the stores.
 */
export async function startServer(config: Config, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const stores = await openStores(config, logger, 'serve');
  if (options.wrapEventStore) stores.eventStore = options.wrapEventStore(stores.eventStore);
  // Stable across restarts of one deployment slot, so a restarted node can close the sessions it left open.
  const nodeId = config.NODE_ID ?? `${os.hostname()}:${config.PORT}`;
  try {
    const bus = new EventSourcedCommandHandler(stores.eventStore, eventCatalogue);
    const projections = new ProjectionSet(stores.eventStore, stores.readModels.knex, allProjections, logger);
    const applied = await projections.migrate();
    if (applied.length > 0) logger.info({ migrations: applied }, 'read-model migrations applied');
    await projections.ensureCurrent(config.AUTO_REBUILD);
    await projections.start();

    const settle = async (write: WriteResult) => {
      const ok = await projections.waitFor(write.position, write.eventTypes, config.READ_YOUR_WRITES_TIMEOUT_MS);
      if (!ok) logger.warn({ position: write.position }, 'read models did not catch up in time; answering anyway');
    };

    const readiness: ReadinessCheck[] = [
      { name: 'event_store', check: async () => (await stores.eventStore.ping(), { ok: true }) },
      { name: 'read_models', check: async () => (await stores.readModels.knex.raw('select 1'), { ok: true }) },
      {
        name: 'projections',
        check: async () => projectionReadiness(projections.status(), config.READY_MAX_LAG_S),
      },
    ];

    const jwtSecret = resolveJwtSecret(config, logger);
    const digester = SecretDigester.fromConfig(config.GATEWAY_SECRET_KEY, jwtSecret);
    const homes = new HomeCommands(bus);
    const clock = options.clock ?? (() => new Date());
    const holderGrace = { graceMs: config.ABANDONED_CLAIM_GRACE_MS, clock };
    // Undoing a half-done write that fails itself is logged and counted (its registry is for a later /metrics).
    const compensations = new CompensationFailures(logger);
    const gateways = new GatewayCommands(bus, homes, digester, holderGrace, compensations);
    const pairing = new PairingCommands(bus, homes, gateways, digester, { ttlMs: config.PAIRING_CODE_TTL_S * 1000, clock }, compensations);
    const memberships = new MembershipQueries(stores.readModels.knex);
    const gatewayAuthenticator = new GatewayAuthenticator(bus, digester);

    const bridgeViews = new BridgeQueries(stores.readModels.knex);
    const remoteCommands = new RemoteCommands(bus, homes);
    const remoteCommandViews = new RemoteCommandQueries(stores.readModels.knex);
    const commandOutcomes = new CommandOutcomes(stores.eventStore, logger);
    remoteCommands.onLocalEvents(commandOutcomes.observeLocal);
    await commandOutcomes.start();
    // Every gateway's telemetry and session events share multi-stream appends (one transaction for many streams);
    // the API records inventory requests through it too, so one process keeps one view of each stream's tip.
    const recorder = new TelemetryRecorder(new ChainedAppends(stores.eventStore, eventCatalogue), new CrossStreamAppender(stores.eventStore));
    // Set once the bridge exists (below); the API only uses it for requests, after listening.
    let relay: CommandRelay | null = null;
    const tokens = new TokenService(jwtSecret, config.ACCESS_TOKEN_TTL_S, config.REFRESH_TOKEN_TTL_S);
    const deviceViews = new DeviceQueries(stores.readModels.knex);
    const app = websockify(new Koa());
    app.proxy = config.TRUST_PROXY;
    installApi(
      app,
      {
        accounts: new AccountCommands(bus, new PasswordHasher(config.SCRYPT_LOG_N), holderGrace, compensations, config.REFRESH_TOKEN_REUSE),
        homes,
        gateways,
        pairing,
        users: new UserQueries(stores.readModels.knex),
        memberships,
        gatewayViews: new GatewayQueries(stores.readModels.knex),
        bridgeViews,
        tokens,
        homeIdsOf: (userId) => memberships.homeIdsOf(userId),
        settle,
        loginLimiter: {
          byEmail: new RateLimiter(config.LOGIN_RATE_LIMIT, config.LOGIN_RATE_WINDOW_S * 1000),
          byAddress: new RateLimiter(config.LOGIN_RATE_LIMIT * 5, config.LOGIN_RATE_WINDOW_S * 1000),
        },
        passwordChangeLimiter: {
          byUser: new RateLimiter(config.LOGIN_RATE_LIMIT, config.LOGIN_RATE_WINDOW_S * 1000),
          byAddress: new RateLimiter(config.LOGIN_RATE_LIMIT * 5, config.LOGIN_RATE_WINDOW_S * 1000),
        },
        pairingLimiter: new RateLimiter(config.PAIRING_RATE_LIMIT, config.PAIRING_RATE_WINDOW_S * 1000),
        remoteCommands,
        remoteCommandViews,
        commandOutcomes,
        gatewayLink: {
          isLocal: (gatewayId) => relay?.isLocal(gatewayId) ?? false,
          dispatchIfLocal: (known) => relay?.dispatchIfLocal(known) ?? false,
          issueHere: async (gatewayId, commandId, issue) => (relay ? relay.issueHere(gatewayId, commandId, issue) : null),
        },
        remoteControl: { queueLimit: config.REMOTE_COMMAND_QUEUE_LIMIT },
        deviceInventory: new DeviceInventoryRequests(homes, recorder),
        auditViews: new AuditQueries(stores.readModels.knex),
        auditSettled: async () => {
          const ok = await projections.waitForHead(auditIndexProjection.name, config.READ_YOUR_WRITES_TIMEOUT_MS);
          if (!ok) logger.warn('audit read model did not catch up in time; answering anyway');
        },
        devices: deviceViews,
        fieldApp: { heartbeatTimeoutS: config.HEARTBEAT_TIMEOUT_S },
      },
      { logger, readiness },
    );

    const bridge = new GatewayBridge({
      nodeId,
      settings: {
        heartbeatIntervalS: config.HEARTBEAT_INTERVAL_S,
        heartbeatTimeoutS: config.HEARTBEAT_TIMEOUT_S,
        maxFrameBytes: config.BRIDGE_MAX_FRAME_BYTES,
        maxFramesPerSecond: config.BRIDGE_RATE_LIMIT_PER_S,
        rateLimitGraceWindows: 1,
        maxSyncBytes: config.BRIDGE_MAX_FRAME_BYTES,
        telemetryBytesPerMinute: config.BRIDGE_TELEMETRY_BYTES_PER_MIN,
        maxRefusedFrames: config.BRIDGE_MAX_REFUSED_FRAMES,
        refusedFramesWindowS: 60,
      },
      authenticate: (gatewayId, secret) => gatewayAuthenticator.verifyGatewaySecret(gatewayId, secret),
      recorder,
      store: stores.eventStore,
      logger,
      trustProxy: config.TRUST_PROXY,
      failedHandshakes: new HandshakeThrottle(handshakeThrottleSettings(config.BRIDGE_AUTH_FAILURE_LIMIT)),
    });
    const head = await stores.eventStore.headPosition();
    await projections.waitFor(head, ['BridgeSessionOpened', 'BridgeSessionClosed'], 30_000);
    await closeOrphanedSessions(nodeId, bridgeViews, recorder, logger);
    await bridge.startFollowing();
    // Every welcomed gateway asks for the head before its queued commands: shared reads keep a storm cheap.
    const sharedHead = new SharedHeadReader(stores.eventStore);
    relay = new CommandRelay({
      bridge,
      commands: remoteCommands,
      queries: remoteCommandViews,
      store: stores.eventStore,
      nodeId,
      logger,
      readModelCaughtUp: async () => {
        await projections.waitFor(await sharedHead.read(), REMOTE_COMMAND_EVENT_TYPES, 5000);
      },
    });
    await relay.start();
    const sweeper = new CommandSweeper(remoteCommands, remoteCommandViews, config.REMOTE_COMMAND_SWEEP_INTERVAL_MS, logger, nodeId);
    sweeper.start();

    // The mobile app's live socket shares the ws server with the bridge; the path decides who takes it.
    const appSockets = new AppSocketHub(stores.eventStore, deviceViews, logger);
    const appGate = new AppSocketGate({
      verifyAccessToken: (token) => {
        try {
          return tokens.verifyAccess(token);
        } catch (error) {
          if (error instanceof InvalidTokenError) return null;
          throw error;
        }
      },
      memberships,
      hub: appSockets,
      logger,
      maxSocketsPerUser: config.APP_SOCKETS_PER_USER,
      settings: DEFAULT_APP_SOCKET_SETTINGS,
    });
    const server = http.createServer(app.callback());
    app.ws.use((ctx) => (appGate.handles(ctx.req) ? appGate.accept(ctx.websocket, ctx.req) : bridge.accept(ctx.websocket, ctx.req)));
    app.ws.listen({
      server,
      verifyClient: (info, callback) => (appGate.handles(info.req) ? appGate.verifyClient(info, callback) : bridge.verifyClient(info, callback)),
      maxPayload: config.BRIDGE_MAX_FRAME_BYTES,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
    logger.info({ port, host: config.HOST, node_id: nodeId, event_store: stores.eventStore.kind }, 'listening');

    let closing: Promise<void> | null = null;
    return {
      url: `http://${host}:${port}`,
      port,
      stores,
      projections,
      nodeId,
      gatewayAuthenticator,
      bridge,
      close() {
        closing ??= (async () => {
          // Sessions first, so each gateway's BridgeSessionClosed(server_shutdown) is written while stores are up.
          relay?.stop();
          await sweeper.stop();
          commandOutcomes.stop();
          await bridge.closeAll('server_shutdown');
          appSockets.closeAll(APP_CLOSE.shutdown, 'server shutting down');
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          });
          await projections.stop();
          await stores.close();
          logger.info('stopped');
        })();
        return closing;
      },
    };
  } catch (error) {
    await stores.close();
    throw error;
  }
}
