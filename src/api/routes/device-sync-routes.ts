import Router from '@koa/router';
import type { Context } from 'koa';
import type { ApiDependencies } from '../api-dependencies.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { commandContext } from '../middleware/request-context.ts';
import { uuidParam } from '../path-params.ts';
import type { SyncRequestedResponse } from '../contracts/device-sync-contract.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

/**
 * `POST /api/homes/{home}/devices/sync`: asks the home's field edge for its device inventory again. Answers 202
 * with the request id at once; the inventory arrives as `DeviceInventoryReported` with that `request_id`.
 */
export function deviceSyncRoutes(deps: ApiDependencies): Router {
  const router = caseSensitiveRouter();
  router.use(requireUser(deps.tokens));

  router.post('/api/homes/:home_id/devices/sync', async (ctx: Context) => {
    const homeId = uuidParam(ctx.params, 'home_id');
    // Online: this process holds the socket, or a session is open on another node (presence read model).
    const isOnline = async (gatewayId: string) =>
      deps.gatewayLink.isLocal(gatewayId) || (await deps.gatewayViews.byId(gatewayId))?.status === 'online';
    const request = await deps.deviceInventory.request(
      homeId,
      ctx.state.userId as string,
      isOnline,
      commandContext(ctx),
    );
    ctx.status = 202;
    ctx.body = {
      request_id: request.requestId,
      gateway_id: request.gatewayId,
      home_id: request.homeId,
      status: 'requested',
    } satisfies SyncRequestedResponse;
  });

  return router;
}
