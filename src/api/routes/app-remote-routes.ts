import Router from '@koa/router';
import type { Context } from 'koa';
import type { HomeRow } from '../../projections/queries/membership-queries.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { HttpError } from '../http-error.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { isoOrNull, uuidParam } from '../path-params.ts';
import { appGatewayStatus, type AppGatewayStatus } from './app-gateway-status.ts';
import { appDeviceList } from './device-list-body.ts';
import type { HomeStatusResponse, RemoteGatewaysResponse } from '../contracts/app-contract.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

const homeNotFound = () => new HttpError(404, 'home_not_found', 'No such home');

/**
 * The mobile app's reads (the Django original's answers, behind a Bearer token): which homes have a gateway
 * (`/api/remote/gateways`, the app's cloud-mode gate), a home's gateway status, and its device list.
 */
export function appRemoteRoutes(deps: ApiDependencies): Router {
  const router = caseSensitiveRouter();
  router.use(requireUser(deps.tokens));
  const userOf = (ctx: Context) => ctx.state.userId as string;

  /** The caller's home, 404 when they are not a member (as everywhere). */
  const homeOf = async (ctx: Context): Promise<HomeRow> => {
    const [home] = await deps.memberships.homesOf(userOf(ctx), uuidParam(ctx.params, 'home_id'));
    if (!home) throw homeNotFound();
    return home;
  };

  /** The home's active gateway and its status as the app sees it; null when the home has none. */
  const activeGatewayOf = async (ctx: Context, home: HomeRow) => {
    if (!home.active_gateway_id) return null;
    const gateway = await deps.gatewayViews.byIdVisibleTo(home.active_gateway_id, userOf(ctx));
    if (!gateway) return null;
    const status = appGatewayStatus(gateway, deps.gatewayLink.isLocal(gateway.id), deps.fieldApp.heartbeatTimeoutS);
    return { gateway, status };
  };

  // Homes with a gateway first: the app takes the first entry's home_id as the home to use in cloud mode.
  router.get('/api/remote/gateways', async (ctx: Context) => {
    const userId = userOf(ctx);
    const [homes, gateways] = await Promise.all([
      deps.memberships.homesOf(userId),
      deps.gatewayViews.visibleTo(userId),
    ]);
    const byId = new Map(gateways.map((gateway) => [gateway.id, gateway]));
    const entries = homes.map((home) => {
      const gateway = home.active_gateway_id ? byId.get(home.active_gateway_id) : undefined;
      const status: AppGatewayStatus | 'no_gateway' = gateway
        ? appGatewayStatus(gateway, deps.gatewayLink.isLocal(gateway.id), deps.fieldApp.heartbeatTimeoutS)
        : 'no_gateway';
      return { home_id: home.id, role: home.role, gateway_id: gateway?.id ?? null, status };
    });
    ctx.body = [
      ...entries.filter((entry) => entry.gateway_id !== null),
      ...entries.filter((entry) => entry.gateway_id === null),
    ] satisfies RemoteGatewaysResponse;
  });

  router.get('/api/remote/homes/:home_id/status', async (ctx: Context) => {
    const active = await activeGatewayOf(ctx, await homeOf(ctx));
    if (!active) {
      ctx.body = {
        gateway_id: null,
        status: 'offline',
        last_ping: null,
        connected_at: null,
      } satisfies HomeStatusResponse;
      return;
    }
    const session = await deps.bridgeViews.currentSession(active.gateway.id);
    const status = active.status === 'online' || active.status === 'stale' ? active.status : 'offline';
    const connected = status !== 'offline';
    ctx.body = {
      gateway_id: active.gateway.id,
      status,
      last_ping: isoOrNull(session?.last_seen ?? null),
      connected_at: connected ? isoOrNull(session?.started_at ?? null) : null,
    } satisfies HomeStatusResponse;
  });

  router.get('/api/homes/:home_id/devices', async (ctx: Context) => {
    const home = await homeOf(ctx);
    const [active, rows] = await Promise.all([activeGatewayOf(ctx, home), deps.devices.entitiesOfHome(home.id)]);
    ctx.body = appDeviceList(rows, active?.status === 'online');
  });

  return router;
}
