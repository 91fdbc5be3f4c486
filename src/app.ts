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
import { CommandBus, type WriteResult } from './commands/command-bus.ts';
import type { Config } from './config.ts';
import { eventCatalogue } from './domain/catalogue.ts';
import { resolveJwtSecret } from './jwt-secret.ts';
import type { Logger } from './logger.ts';
import { allProjections } from './projections/all-projections.ts';
import { ProjectionSet } from './projections/projection-set.ts';
import { UserQueries } from './projections/queries/user-queries.ts';
import { openStores, type Stores } from './stores.ts';

export interface RunningServer {
  /** http://host:port of the listening server. */
  url: string;
  port: number;
  stores: Stores;
  projections: ProjectionSet;
  nodeId: string;
  close(): Promise<void>;
}

/**
 * The composition root: opens the stores, migrates and starts the projections, installs the API (and the
 * bridge) on one Koa app, and listens. `close()` stops accepting, drains, and closes the stores.
 */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const stores = await openStores(config, logger, 'serve');
  const nodeId = config.NODE_ID ?? `${os.hostname()}-${process.pid}`;
  try {
    const bus = new CommandBus(stores.eventStore, eventCatalogue);
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
        check: async () => {
          const statuses = projections.status();
          const ok = statuses.every((s) => s.state !== 'failing' && s.lagSeconds <= config.READY_MAX_LAG_S);
          return { ok, detail: statuses };
        },
      },
    ];

    const app = websockify(new Koa());
    app.proxy = config.TRUST_PROXY;
    installApi(
      app,
      {
        accounts: new AccountCommands(bus, new PasswordHasher(config.SCRYPT_LOG_N)),
        users: new UserQueries(stores.readModels.knex),
        tokens: new TokenService(resolveJwtSecret(config, logger), config.ACCESS_TOKEN_TTL_S, config.REFRESH_TOKEN_TTL_S),
        homeIdsOf: async () => [],
        settle,
        loginLimiter: {
          byEmail: new RateLimiter(config.LOGIN_RATE_LIMIT, config.LOGIN_RATE_WINDOW_S * 1000),
          byAddress: new RateLimiter(config.LOGIN_RATE_LIMIT * 5, config.LOGIN_RATE_WINDOW_S * 1000),
        },
      },
      { logger, readiness },
    );

    const server = http.createServer(app.callback());
    app.ws.listen({ server });
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
      close() {
        closing ??= (async () => {
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
