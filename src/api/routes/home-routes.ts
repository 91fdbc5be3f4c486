import Router from '@koa/router';
import type { Context } from 'koa';
import type { HomeRow } from '../../projections/queries/membership-queries.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { HttpError } from '../http-error.ts';
import { answerPending } from './pending-answer.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { commandContext } from '../middleware/request-context.ts';
import { asksForPage, linkNextPage, pageOf } from '../pagination.ts';
import { uuidParam } from '../path-params.ts';
import { validate } from '../validation.ts';
import { renameHomeBody, type HomeResponse } from '../contracts/home-contract.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

function homeBody(row: HomeRow): HomeResponse {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    owner_id: row.owner_id,
    active_gateway_id: row.active_gateway_id,
    created_at: new Date(row.created_at).toISOString(),
  };
}

/** `/api/homes`: the caller's homes with their role. A home they are not in does not exist for them. */
export function homeRoutes(deps: ApiDependencies): Router {
  const router = caseSensitiveRouter('/api/homes');
  router.use(requireUser(deps.tokens));

  const homeOf = async (ctx: Context, homeId: string) => {
    const [row] = await deps.memberships.homesOf(ctx.state.userId as string, homeId);
    if (!row) throw new HttpError(404, 'home_not_found', 'No such home');
    return homeBody(row);
  };

  // The mobile app may read this list whole as an array: it is paged only when asked (`limit` or `cursor`), and
  // then the body is still an array, the next page in the Link header.
  router.get('/', async (ctx: Context) => {
    const userId = ctx.state.userId as string;
    if (!asksForPage(ctx.query)) {
      ctx.body = (await deps.memberships.homesOf(userId)).map(homeBody);
      return;
    }
    const page = pageOf(ctx.query);
    const { items, next } = await deps.memberships.homePage(userId, page);
    linkNextPage(ctx, page, next);
    ctx.body = items.map(homeBody);
  });

  router.get('/:home_id', async (ctx: Context) => {
    ctx.body = await homeOf(ctx, uuidParam(ctx.params, 'home_id'));
  });

  // Owner or admin (decided on the home stream); PUT as the original accepted it, with the same body.
  const rename = async (ctx: Context) => {
    const homeId = uuidParam(ctx.params, 'home_id');
    const body = validate(renameHomeBody, ctx.request.body);
    const write = await deps.homes.rename(homeId, ctx.state.userId as string, body.name, commandContext(ctx));
    if (!(await deps.settle(write))) return answerPending(ctx, `/api/homes/${homeId}/`);
    ctx.body = await homeOf(ctx, homeId);
  };
  router.patch('/:home_id', rename);
  router.put('/:home_id', rename);

  return router;
}
