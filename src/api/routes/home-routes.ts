import Router from '@koa/router';
import type { Context } from 'koa';
import type { HomeRow } from '../../projections/queries/membership-queries.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { HttpError } from '../http-error.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { uuidParam } from '../path-params.ts';

function homeBody(row: HomeRow) {
  return {
    id: row.id,
    role: row.role,
    owner_id: row.owner_id,
    active_gateway_id: row.active_gateway_id,
    created_at: new Date(row.created_at).toISOString(),
  };
}

/** `/api/homes`: the caller's homes with their role. A home they are not in does not exist for them. */
export function homeRoutes(deps: ApiDependencies): Router {
  const router = new Router({ prefix: '/api/homes' });
  router.use(requireUser(deps.tokens));

  router.get('/', async (ctx: Context) => {
    ctx.body = (await deps.memberships.homesOf(ctx.state.userId as string)).map(homeBody);
  });

  router.get('/:home_id', async (ctx: Context) => {
    const [row] = await deps.memberships.homesOf(ctx.state.userId as string, uuidParam(ctx.params, 'home_id'));
    if (!row) throw new HttpError(404, 'home_not_found', 'No such home');
    ctx.body = homeBody(row);
  });

  return router;
}
