import type Koa from 'koa';
import type Router from '@koa/router';
import type { Logger } from '../logger.ts';
import type { ApiDependencies } from './api-dependencies.ts';
import { errorHandler } from './middleware/error-handler.ts';
import { jsonBody } from './middleware/json-body.ts';
import { requestId } from './middleware/request-context.ts';
import { accessLog } from './middleware/access-log.ts';
import { cors } from './middleware/cors.ts';
import { noStore } from './middleware/no-store.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { requestMetrics, type HttpRequestRecorder } from './middleware/request-metrics.ts';
import { appControlRoutes } from './routes/app-control-routes.ts';
import { appRemoteRoutes } from './routes/app-remote-routes.ts';
import { auditRoutes } from './routes/audit-routes.ts';
import { authRoutes } from './routes/auth-routes.ts';
import { gatewayRoutes } from './routes/gateway-routes.ts';
import { telemetryRoutes } from './routes/telemetry-routes.ts';
import { deviceSyncRoutes } from './routes/device-sync-routes.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health-routes.ts';
import { homeRoutes } from './routes/home-routes.ts';
import { jwksRoutes } from './routes/jwks-routes.ts';
import { leavingRoutes } from './routes/leaving-routes.ts';
import { openApiRoutes } from './routes/openapi-routes.ts';
import { pairingRoutes } from './routes/pairing-routes.ts';
import { dispatchByPrefix } from './route-dispatch.ts';
import { permissionRoutes } from './routes/permission-routes.ts';
import { remoteCommandRoutes } from './routes/remote-command-routes.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

/** Browser-facing policy: the CORS allow-list (empty: no CORS) and whether to send HSTS. */
export interface HttpPolicy {
  corsOrigins: readonly string[];
  hsts: boolean;
}

/**
 * Installs the REST API on a Koa app: request ids, protective headers (security headers, no-store, CORS), access
 * log, JSON errors, body parsing, then the routes.
 */
export function installApi(
  app: Koa,
  deps: ApiDependencies,
  options: {
    logger: Logger;
    readiness: readonly ReadinessCheck[];
    extraRoutes?: readonly Router[];
    httpPolicy?: HttpPolicy;
    /** Counts and times every request by route template (the process metrics). */
    requests?: HttpRequestRecorder;
  },
): void {
  const policy = options.httpPolicy ?? { corsOrigins: [], hsts: false };
  if (options.requests) app.use(requestMetrics(options.requests));
  app.use(requestId);
  app.use(securityHeaders({ hsts: policy.hsts }));
  app.use(noStore);
  app.use(cors(policy.corsOrigins));
  app.use(accessLog(options.logger));
  app.use(errorHandler(options.logger));
  app.use(jsonBody(MAX_BODY_BYTES));
  // One middleware for all routers: a request runs only the matchers of routers that could hold its route.
  app.use(dispatchByPrefix([...apiRouters(deps, options.readiness), ...(options.extraRoutes ?? [])]));
}

/** The API's routers, in matching order (every route they hold is in the OpenAPI document; a test checks). */
export function apiRouters(deps: ApiDependencies, readiness: readonly ReadinessCheck[]): Router[] {
  return [
    healthRoutes(readiness),
    openApiRoutes(),
    jwksRoutes(deps.tokens),
    authRoutes(deps),
    // Pairing and permissions before the gateway routes, whose `/:id` would otherwise claim their paths.
    pairingRoutes(deps),
    permissionRoutes(deps),
    gatewayRoutes(deps),
    homeRoutes(deps),
    leavingRoutes(deps),
    telemetryRoutes(deps),
    deviceSyncRoutes(deps),
    remoteCommandRoutes(deps),
    auditRoutes(deps),
    appRemoteRoutes(deps),
    appControlRoutes(deps),
  ];
}
