import Router from '@koa/router';
import type { Context } from 'koa';
import type { ApiDependencies } from '../api-dependencies.ts';
import { HttpError } from '../http-error.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { cursorOf, pageOf } from '../pagination.ts';
import { isoOrNull, uuidParam } from '../path-params.ts';
import type {
  DeviceStatesResponse,
  HomeMetadataResponse,
  SessionPageResponse,
} from '../contracts/telemetry-contract.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

/**
 * What the bridge recorded, for members of the home: sessions, the cached device states (served while the
 * gateway is offline, marked stale) and the home's latest metadata snapshot.
 */
export function telemetryRoutes(deps: ApiDependencies): Router {
  const router = caseSensitiveRouter();
  router.use(requireUser(deps.tokens));

  const visibleGateway = async (ctx: Context) => {
    const gateway = await deps.gatewayViews.byIdVisibleTo(uuidParam(ctx.params, 'id'), ctx.state.userId as string);
    if (!gateway) throw new HttpError(404, 'gateway_not_found', 'No such gateway');
    return gateway;
  };

  router.get('/api/gateways/:id/sessions', async (ctx: Context) => {
    const gateway = await visibleGateway(ctx);
    const page = pageOf(ctx.query);
    const { items, next, total } = await deps.bridgeViews.sessions(gateway.id, page);
    ctx.body = {
      items: items.map((row) => ({
        session_id: row.session_id,
        started_at: isoOrNull(row.started_at),
        ended_at: isoOrNull(row.ended_at),
        close_reason: row.close_reason,
        remote_address: row.remote_address,
        frames_in: row.frames_in,
        frames_out: row.frames_out,
      })),
      total,
      limit: page.limit,
      next_cursor: cursorOf(next),
    } satisfies SessionPageResponse;
  });

  router.get('/api/gateways/:id/state', async (ctx: Context) => {
    const gateway = await visibleGateway(ctx);
    const devices = await deps.bridgeViews.deviceStates(gateway.id);
    const online = gateway.status === 'online';
    const newest = devices.reduce<Date | null>(
      (latest, d) => (latest && latest > new Date(d.reported_at) ? latest : new Date(d.reported_at)),
      null,
    );
    ctx.body = {
      online,
      as_of: isoOrNull(gateway.last_seen ?? newest),
      stale: !online,
      devices: devices.map((d) => ({ device_id: d.device_id, state: d.state, reported_at: isoOrNull(d.reported_at) })),
    } satisfies DeviceStatesResponse;
  });

  router.get('/api/homes/:home_id/metadata', async (ctx: Context) => {
    const homeId = uuidParam(ctx.params, 'home_id');
    const [home] = await deps.memberships.homesOf(ctx.state.userId as string, homeId);
    if (!home) throw new HttpError(404, 'home_not_found', 'No such home');
    const row = await deps.bridgeViews.homeMetadata(homeId);
    if (!row) throw new HttpError(404, 'metadata_not_found', 'No gateway has synced metadata for this home yet');
    ctx.body = {
      home_id: homeId,
      gateway_id: row.gateway_id,
      metadata: row.metadata,
      synced_at: isoOrNull(row.synced_at),
    } satisfies HomeMetadataResponse;
  });

  return router;
}
