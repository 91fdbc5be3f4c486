import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AdminHomeRow } from '../../projections/queries/admin-queries.ts';
import { HttpError } from '../http-error.ts';
import { isoOrNull, uuidParam } from '../path-params.ts';
import type { AdminDependencies } from './admin-dependencies.ts';
import { auditItem } from './admin-audit-routes.ts';
import { page, pageBody, queryOf, searchTerm } from './admin-query.ts';

const homesQuery = z.object({ q: searchTerm, ...page }).strict();
const RECENT_AUDIT = 20;

const homeItem = (row: AdminHomeRow) => ({
  id: row.id,
  name: row.name,
  owner_id: row.owner_id,
  owner_email: row.owner_email,
  active_gateway_id: row.active_gateway_id,
  members: Number(row.members),
  created_at: isoOrNull(row.created_at),
});

/** `/api/admin/homes`: search by name or owner e-mail; detail with members, the gateway and recent audit history. */
export function addAdminHomeRoutes(router: Router, admin: AdminDependencies): void {
  router.get('/homes', async (ctx: Context) => {
    const query = queryOf(homesQuery, ctx);
    ctx.body = pageBody(await admin.views.homes(query, query), query, homeItem);
  });

  router.get('/homes/:id', async (ctx: Context) => {
    const id = uuidParam(ctx.params, 'id');
    const row = await admin.views.home(id);
    if (!row) throw new HttpError(404, 'home_not_found', 'No such home');
    const [members, gateway, audit] = await Promise.all([
      admin.views.members(id),
      row.active_gateway_id === null ? null : admin.views.gateway(row.active_gateway_id),
      admin.auditViews.page({ homeId: id, types: [], from: null, to: null, before: null, limit: RECENT_AUDIT }),
    ]);
    ctx.body = {
      ...homeItem(row),
      members,
      gateway: gateway && {
        id: gateway.id,
        name: gateway.name,
        status: gateway.status,
        online: Boolean(gateway.online),
      },
      audit: audit.rows.map(auditItem),
    };
  });
}
