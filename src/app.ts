import os from 'node:os';
import Koa from 'koa';
import websockify from 'koa-websocket';
import { installApi } from './api/create-api.ts';
import { TokenService } from './api/auth/token-service.ts';
import type { GatewayAuthenticator } from './commands/gateways/gateway-authenticator.ts';
import type { Config } from './config.ts';
import type { EventStore } from './eventstore/port.ts';
import { resolveJwtSecret } from './jwt-secret.ts';
import type { Logger } from './logger.ts';
import { allProjections } from './projections/all-projections.ts';
import { ProjectionLagSampler } from './projections/projection-lag-sampler.ts';
import { ProjectionSet } from './projections/projection-set.ts';
import { MembershipQueries } from './projections/queries/membership-queries.ts';
import { openStores, type Stores } from './stores.ts';
import { watchErasures } from './eventstore/personal-data/erasure-watch.ts';
import { metricsRoutes } from './api/routes/metrics-routes.ts';
import { MeteredEventStore } from './metrics/metered-event-store.ts';
import { startMetricsServer } from './metrics/metrics-server.ts';
import { ProcessMetrics } from './metrics/process-metrics.ts';
import { BridgeQueries } from './projections/queries/bridge-queries.ts';
import { DeviceQueries } from './projections/queries/device-queries.ts';
import type { GatewayBridge } from './bridge/gateway-bridge.ts';
import { RemoteCommandQueries } from './projections/queries/remote-command-queries.ts';
import { createAppSockets } from './server/app-socket-side.ts';
import { startGatewaySide } from './server/gateway-side.ts';
import { listenEarly } from './server/listen.ts';
import { waitForEventStore, type StartupStatus } from './server/wait-for-event-store.ts';
import { readinessChecks } from './server/readiness.ts';
import { shutdownOnce } from './server/shutdown.ts';
import { apiDependencies } from './server/api-wiring.ts';
import { openLimiters } from './server/limits.ts';
import { buildWriteSide } from './server/write-side.ts';
import { loadEd25519Keys } from './server/jwt-key-files.ts';
import { startAdminSide } from './server/admin-side.ts';
import { adminRoutes } from './api/admin/admin-routes.ts';
import { adminConsoleRoutes } from './api/admin/admin-console-routes.ts';

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
  /** http://host:port of the METRICS_PORT listener; null when it is not configured. */
  metricsUrl: string | null;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** The clock pairing codes expire by and abandoned claims age by; tests move it instead of sleeping. */
  clock?: () => Date;
  /** Tests only: wraps the opened event store (e.g. to break live subscriptions at a chosen moment). */
  wrapEventStore?: (store: EventStore) => EventStore;
  /**
   * False (`serve --no-projections`): this process applies no projection; `projections run` (or another node)
   * does, and writes wait on the checkpoints it commits. Default true: apply what this process holds the lease of.
   */
  applyProjections?: boolean;
  /** Tests only: how often a standing-by process tries a projection's lease (default 2 s). */
  projectionLockRetryMs?: number;
  /** Tests only: how often readiness and metrics sample the projections' progress (default 1 s). */
  lagSampleIntervalMs?: number;
}

/**
 * The composition root: opens the stores, migrates and starts the projections, builds the write side, starts the
 * gateway side (bridge, relay), installs the API on one Koa app with it, and listens. Readiness checks are
 * server/readiness.ts; `close()` (server/shutdown.ts) stops accepting, drains, and closes the stores.
 */
export async function startServer(config: Config, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  // Before any store opens: a bad key file is a configuration error with nothing to clean up.
  const ed25519Keys = loadEd25519Keys(config);
  const stores = await openStores(config, logger, 'serve');
  if (options.wrapEventStore) stores.eventStore = options.wrapEventStore(stores.eventStore);
  // One registry per process (made here, handed to each part): every adapter's appends are measured.
  const metrics = new ProcessMetrics();
  stores.eventStore = new MeteredEventStore(stores.eventStore, metrics.appends);
  // Stable across restarts of one deployment slot, so a restarted node can close the sessions it left open.
  const nodeId = config.NODE_ID ?? `${os.hostname()}:${config.PORT}`;
  const limits = await openLimiters(config, logger);
  // Started loops a failed start-up must stop before closing the stores they read.
  const startedParts: Array<() => Promise<void>> = [];
  const startup: StartupStatus = { reason: 'starting' };
  try {
    // The port first: while start-up waits for the store, /healthz answers 200 and /readyz 503 (starting-responder).
    const listening = await listenEarly(config, () => startup.reason);
    startedParts.push(() => listening.close());
    await waitForEventStore(stores.eventStore, logger, { totalMs: config.EVENT_STORE_STARTUP_WAIT_MS }, startup);
    // From the head: an erasure already in the log destroyed its keys in the key store (key_shredding).
    const erasures = watchErasures(stores.eventStore, stores.dataKeys, await stores.eventStore.headPosition(), logger);
    const stopErasures = async () => erasures.stop();
    startedParts.push(stopErasures);
    startup.reason = 'migrating and starting the projections';
    const projections = await startProjections(stores, config, logger, { ...options, nodeId });
    startedParts.push(() => projections.stop());
    startup.reason = 'starting the projection lag sampler';
    const sampler = new ProjectionLagSampler(stores.eventStore, stores.readModels.knex, allProjections, logger, {
      ...(options.lagSampleIntervalMs === undefined ? {} : { intervalMs: options.lagSampleIntervalMs }),
    });
    await sampler.start();
    startedParts.push(() => sampler.stop());
    watchStores(metrics, stores, projections, sampler);
    startup.reason = 'starting the write and gateway sides';
    const jwtSecret = resolveJwtSecret(config, logger);
    const clock = options.clock ?? (() => new Date());
    const writes = await buildWriteSide({
      config,
      logger,
      store: stores.eventStore,
      dataKeys: stores.dataKeys,
      claimStreams: stores.claimStreams,
      jwtSecret,
      clock,
      metrics,
    });
    const knex = stores.readModels.knex;
    const bridgeViews = new BridgeQueries(knex);
    const gatewaySide = await startGatewaySide({
      config,
      logger,
      nodeId,
      stores,
      projections,
      recorder: writes.recorder,
      gatewayAuthenticator: writes.gatewayAuthenticator,
      remoteCommands: writes.remoteCommands,
      remoteCommandViews: new RemoteCommandQueries(knex),
      bridgeViews,
      limits,
      metrics,
    });
    const { bridge, relay } = gatewaySide;
    const tokens = new TokenService(
      { secret: jwtSecret, previousSecrets: config.JWT_PREVIOUS_SECRETS, ...(ed25519Keys && { ed25519: ed25519Keys }) },
      config.ACCESS_TOKEN_TTL_S,
      config.REFRESH_TOKEN_TTL_S,
    );
    const memberships = new MembershipQueries(knex);
    const deviceViews = new DeviceQueries(knex);
    const app = websockify(new Koa());
    app.proxy = config.TRUST_PROXY;
    const dependencies = apiDependencies({
      config,
      logger,
      stores,
      projections,
      writes,
      relay,
      tokens,
      memberships,
      bridgeViews,
      deviceViews,
      limits,
      lagSamples: sampler,
    });
    // Staff administration: the admin API and the console at /admin/ (README "Admin").
    const adminSide = await startAdminSide({
      logger,
      stores,
      writes,
      tokens,
      config,
      nodeId,
      projections,
      settle: dependencies.settle,
    });
    installApi(app, dependencies, {
      logger,
      readiness: readinessChecks(stores, projections, sampler, config.READY_MAX_LAG_S),
      httpPolicy: { corsOrigins: config.CORS_ORIGINS, hsts: config.HSTS ?? config.TRUST_PROXY },
      requests: metrics.http,
      extraRoutes: [
        ...(config.METRICS_TOKEN ? [metricsRoutes(metrics, config.METRICS_TOKEN)] : []),
        adminRoutes(tokens, adminSide.admin),
        adminConsoleRoutes(),
      ],
    });

    const appSockets = createAppSockets({ config, logger, store: stores.eventStore, deviceViews, memberships, tokens });
    // A taken metrics port fails start-up like a taken main port, with nothing left listening (startedParts).
    const metricsServer =
      config.METRICS_PORT === undefined ? null : await startMetricsServer(metrics, config.METRICS_PORT, config.HOST);
    listening.serve(app, { appGate: appSockets.gate, bridge });
    const { server, port, url } = listening;
    logger.info({ port, host: config.HOST, node_id: nodeId, event_store: stores.eventStore.kind }, 'listening');
    const shutdown = shutdownOnce({
      gatewaySide,
      commandOutcomes: writes.commandOutcomes,
      appSockets: appSockets.hub,
      server,
      projections,
      sampler,
      stores,
      logger,
    });
    const close = async () => {
      await stopErasures();
      await adminSide.stop();
      await metricsServer?.close();
      await shutdown();
      await limits.close();
    };
    const metricsUrl = metricsServer?.url ?? null;
    const gatewayAuthenticator = writes.gatewayAuthenticator;
    return { url, port, stores, projections, nodeId, gatewayAuthenticator, bridge, metricsUrl, close };
  } catch (error) {
    for (const stop of startedParts.reverse()) await stop().catch(() => {});
    await limits.close();
    await stores.close();
    throw error;
  }
}

/**
 * Migrates the read models, refuses (or rebuilds) stale ones, and starts the appliers: a runner for each projection
 * whose lease this process takes (all of them on PGlite; none with `applyProjections: false`).
 */
async function startProjections(
  stores: Stores,
  config: Config,
  logger: Logger,
  options: ServerOptions & { nodeId: string },
): Promise<ProjectionSet> {
  const projections = new ProjectionSet(stores.eventStore, stores.readModels.knex, allProjections, logger, {
    target: stores.readModels.target,
    apply: options.applyProjections ?? true,
    holder: options.nodeId,
    ...(options.projectionLockRetryMs === undefined ? {} : { lockRetryMs: options.projectionLockRetryMs }),
  });
  const applied = await projections.migrate();
  if (applied.length > 0) logger.info({ migrations: applied }, 'read-model migrations applied');
  await projections.ensureCurrent(config.AUTO_REBUILD);
  await projections.start();
  return projections;
}

/** The series read at scrape time: the projections' last lag sample and the read-model database's pool. */
function watchStores(
  metrics: ProcessMetrics,
  stores: Stores,
  projections: ProjectionSet,
  sampler: ProjectionLagSampler,
): void {
  metrics.watchProjections({ latest: () => sampler.latest(), appliedHere: (name) => projections.applies(name) });
  // Embedded PGlite has no pool; a PostgreSQL server's is named by role, never by its URL (which may hold a password).
  if (stores.readModels.target.kind === 'postgres')
    metrics.watchPools([{ name: 'read_models', knex: stores.readModels.knex }]);
}
