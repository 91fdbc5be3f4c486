import os from 'node:os';
import Koa from 'koa';
import websockify from 'koa-websocket';
import { installApi } from './api/create-api.ts';
import { TokenService } from './api/auth/token-service.ts';
import { RateLimiter } from './api/rate-limiter.ts';
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
import { GatewayQueries } from './projections/queries/gateway-queries.ts';
import { MembershipQueries } from './projections/queries/membership-queries.ts';
import { UserQueries } from './projections/queries/user-queries.ts';
import { openStores, type Stores } from './stores.ts';
import { BridgeQueries } from './projections/queries/bridge-queries.ts';
import { DeviceQueries } from './projections/queries/device-queries.ts';
import { TelemetryRecorder } from './commands/bridge/telemetry-recorder.ts';
import { DeviceInventoryRequests } from './commands/bridge/device-inventory-requests.ts';
import { CrossStreamAppender } from './commands/cross-stream-appender.ts';
import type { GatewayBridge } from './bridge/gateway-bridge.ts';
import { CommandOutcomes } from './commands/remote-control/command-outcomes.ts';
import { RemoteCommands } from './commands/remote-control/remote-commands.ts';
import { RemoteCommandQueries } from './projections/queries/remote-command-queries.ts';
import { AuditQueries } from './projections/queries/audit-queries.ts';
import { auditIndexProjection } from './projections/read-models/audit-index-projection.ts';
import { createAppSockets } from './server/app-socket-side.ts';
import { startGatewaySide } from './server/gateway-side.ts';
import { listenWithSockets } from './server/listen.ts';
import { readinessChecks } from './server/readiness.ts';
import { shutdownOnce } from './server/shutdown.ts';

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
 * The composition root: opens the stores, migrates and starts the projections, builds the write side, starts the
 * gateway side (bridge, relay), installs the API on one Koa app with it, and listens. Readiness checks are
 * server/readiness.ts; `close()` (server/shutdown.ts) stops accepting, drains, and closes the stores.
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

    const readiness = readinessChecks(stores, projections, config.READY_MAX_LAG_S);

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
    const gatewaySide = await startGatewaySide({
      config,
      logger,
      nodeId,
      stores,
      projections,
      recorder,
      gatewayAuthenticator,
      remoteCommands,
      remoteCommandViews,
      bridgeViews,
    });
    const { bridge, relay } = gatewaySide;
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
          isLocal: (gatewayId) => relay.isLocal(gatewayId),
          dispatchIfLocal: (known) => relay.dispatchIfLocal(known),
          issueHere: (gatewayId, commandId, issue) => relay.issueHere(gatewayId, commandId, issue),
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

    const appSockets = createAppSockets({ config, logger, store: stores.eventStore, deviceViews, memberships, tokens });
    const { server, port, url } = await listenWithSockets(app, { appGate: appSockets.gate, bridge }, config);
    logger.info({ port, host: config.HOST, node_id: nodeId, event_store: stores.eventStore.kind }, 'listening');

    return {
      url,
      port,
      stores,
      projections,
      nodeId,
      gatewayAuthenticator,
      bridge,
      close: shutdownOnce({ gatewaySide, commandOutcomes, appSockets: appSockets.hub, server, projections, stores, logger }),
    };
  } catch (error) {
    await stores.close();
    throw error;
  }
}
