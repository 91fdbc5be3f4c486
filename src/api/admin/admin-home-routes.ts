import type Router from '@koa/router';
import type { AdminHomeRow } from '../../projections/queries/admin-queries.ts';
import { isoOrNull } from '../path-params.ts';
import type { AdminDependencies } from './admin-dependencies.ts';
import { auditItem } from './admin-audit-routes.ts';
import { homesQuery } from '../contracts/admin-contract.ts';
import { addListRoutes } from './admin-query.ts';

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

async function homeDetail(admin: AdminDependencies, id: string) {
  const row = await admin.views.home(id);
  if (!row) return null;
  const [members, gateway, audit] = await Promise.all([
    admin.views.members(id),
    row.active_gateway_id === null ? null : admin.views.gateway(row.active_gateway_id),
    admin.auditViews.page({ homeId: id, types: [], from: null, to: null, before: null, limit: RECENT_AUDIT }),
  ]);
  return {
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
}

/** `/api/admin/homes`: search by name or owner e-mail; detail with members, the gateway and recent audit history. */
export function addAdminHomeRoutes(router: Router, admin: AdminDependencies): void {
  addListRoutes(router, '/homes', {
    query: homesQuery,
    list: (query) => admin.views.homes(query, query),
    item: homeItem,
    detail: (id) => homeDetail(admin, id),
    notFound: { code: 'home_not_found', message: 'No such home' },
  });
}
