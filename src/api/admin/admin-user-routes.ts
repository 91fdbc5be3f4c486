import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AdminUserRow } from '../../projections/queries/admin-queries.ts';
import { HttpError } from '../http-error.ts';
import { isoOrNull, uuidParam } from '../path-params.ts';
import { validate } from '../validation.ts';
import type { AdminDependencies } from './admin-dependencies.ts';
import { flag, page, pageBody, queryOf, reasonBody, searchTerm, staffContext } from './admin-query.ts';

const usersQuery = z.object({ q: searchTerm, staff: flag, deactivated: flag, ...page }).strict();

const userItem = (row: AdminUserRow) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  created_at: isoOrNull(row.created_at),
  staff: Boolean(row.staff),
  deactivated: Boolean(row.deactivated),
  deactivation_reason: row.deactivation_reason,
  last_login_at: isoOrNull(row.last_login_at),
});

/**
 * `/api/admin/users`: search by e-mail or name, detail (homes and roles, last login), deactivate and reactivate.
 * Deactivation kills every token family at once (one event moves the user's credentials version), refuses their
 * access tokens on every node and closes their app sockets.
 */
export function addAdminUserRoutes(router: Router, admin: AdminDependencies): void {
  router.get('/users', async (ctx: Context) => {
    const query = queryOf(usersQuery, ctx);
    ctx.body = pageBody(await admin.views.users(query, query), query, userItem);
  });

  router.get('/users/:id', async (ctx: Context) => {
    const id = uuidParam(ctx.params, 'id');
    const row = await admin.views.user(id);
    if (!row) throw new HttpError(404, 'user_not_found', 'No such user');
    ctx.body = { ...userItem(row), homes: await admin.views.homesOfUser(id) };
  });

  const act = (action: 'deactivate' | 'reactivate') => async (ctx: Context) => {
    const id = uuidParam(ctx.params, 'id');
    const { reason } = validate(reasonBody, ctx.request.body);
    const write = await admin.staff[action](ctx.state.userId as string, id, reason, staffContext(ctx));
    admin.noteAccountChange({
      type: action === 'deactivate' ? 'UserDeactivated' : 'UserReactivated',
      data: { user_id: id },
    });
    await admin.settle(write);
    const row = await admin.views.user(id);
    if (!row) throw new HttpError(404, 'user_not_found', 'No such user');
    ctx.body = userItem(row);
  };
  router.post('/users/:id/deactivate', act('deactivate'));
  router.post('/users/:id/reactivate', act('reactivate'));
}
