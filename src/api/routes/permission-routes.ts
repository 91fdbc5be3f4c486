import Router from '@koa/router';
import type { Context } from 'koa';
import { requirePermission } from '../../domain/homes/roles.ts';
import type { PermissionRow } from '../../projections/queries/membership-queries.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { HttpError } from '../http-error.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { commandContext } from '../middleware/request-context.ts';
import { linkNextPage, pageOf } from '../pagination.ts';
import { uuidParam } from '../path-params.ts';
import { validate } from '../validation.ts';
import { answerPending } from './pending-answer.ts';
import { changeRoleBody, grantBody, type PermissionResponse } from '../contracts/home-contract.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

function permissionBody(row: PermissionRow): PermissionResponse {
  return {
    user_id: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    granted_by: row.granted_by,
    granted_at: new Date(row.granted_at).toISOString(),
  };
}

/** Where a grant or a role change is read back (the list: there is no GET of one permission). */
const permissionsOf = (homeId: string) => `/api/gateways/homes/${homeId}/permissions/`;

const userNotFound = () => new HttpError(404, 'user_not_found', 'No such user');

/**
 * `/api/gateways/homes/{home_id}/permissions`: who may use a home. Grants, changes and revocations are decided
 * on the home stream; the list reads the memberships read model.
 */
export function permissionRoutes(deps: ApiDependencies): Router {
  const router = caseSensitiveRouter('/api/gateways/homes/:home_id/permissions');
  router.use(requireUser(deps.tokens));
  const userOf = (ctx: Context) => ctx.state.userId as string;

  const permissionOf = async (homeId: string, userId: string) => {
    const row = await deps.memberships.permission(homeId, userId);
    if (!row) throw new HttpError(404, 'permission_not_found', 'This user has no role in this home');
    return permissionBody(row);
  };

  router.get('/', async (ctx: Context) => {
    const homeId = uuidParam(ctx.params, 'home_id');
    requirePermission(await deps.memberships.roleOf(homeId, userOf(ctx)), 'permission.list', 'home_not_found', 'home');
    const page = pageOf(ctx.query);
    const { items, next } = await deps.memberships.permissionPage(homeId, page);
    linkNextPage(ctx, page, next);
    ctx.body = items.map(permissionBody);
  });

  router.post('/', async (ctx: Context) => {
    const homeId = uuidParam(ctx.params, 'home_id');
    const body = validate(grantBody, ctx.request.body);
    // Authorise before resolving the grantee, so a stranger cannot probe which e-mails have accounts.
    requirePermission(await deps.homes.roleOf(homeId, userOf(ctx)), 'permission.manage', 'home_not_found', 'home');
    const grantee =
      body.email !== undefined ? await deps.users.byEmail(body.email) : await deps.users.byId(body.user_id!);
    if (!grantee) throw userNotFound();
    const change = await deps.homes.grant(homeId, userOf(ctx), grantee.id, body.role, commandContext(ctx));
    if (!(await deps.settle(change.write))) return answerPending(ctx, permissionsOf(homeId));
    ctx.status = change.outcome === 'granted' ? 201 : 200;
    ctx.body = await permissionOf(homeId, grantee.id);
  });

  router.patch('/:user_id', async (ctx: Context) => {
    const homeId = uuidParam(ctx.params, 'home_id');
    const userId = uuidParam(ctx.params, 'user_id');
    const body = validate(changeRoleBody, ctx.request.body);
    const write = await deps.homes.changeRole(homeId, userOf(ctx), userId, body.role, commandContext(ctx));
    if (!(await deps.settle(write))) return answerPending(ctx, permissionsOf(homeId));
    ctx.body = await permissionOf(homeId, userId);
  });

  router.delete('/:user_id', async (ctx: Context) => {
    const homeId = uuidParam(ctx.params, 'home_id');
    const userId = uuidParam(ctx.params, 'user_id');
    await deps.settle(await deps.homes.revoke(homeId, userOf(ctx), userId, commandContext(ctx)));
    ctx.status = 204;
  });

  return router;
}
