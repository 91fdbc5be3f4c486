import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AdminGatewayRow } from '../../projections/queries/admin-queries.ts';
import { HttpError } from '../http-error.ts';
import { isoOrNull, uuidParam } from '../path-params.ts';
import { validate } from '../validation.ts';
import type { AdminDependencies } from './admin-dependencies.ts';
import { gatewaysQuery } from '../contracts/admin-contract.ts';
import { addListRoutes, answerWrite, reasonBody, staffContext } from './admin-query.ts';

const SESSION_HISTORY = 20;
const QUEUED_SHOWN = 50;

const gatewayItem = (row: AdminGatewayRow) => ({
  id: row.id,
  home_id: row.home_id,
  name: row.name,
  version: row.version,
  status: row.status,
  online: Boolean(row.online),
  last_seen: isoOrNull(row.last_seen),
  node_id: row.node_id,
  session_id: row.session_id,
  created_at: isoOrNull(row.created_at),
  revoked_at: isoOrNull(row.revoked_at),
});

/**
 * `/api/admin/gateways`: search (name or id) with status, version, last seen and node; detail with the session
 * history and queued commands; revoke with a reason (the bridge that holds the socket closes it: `revoked`).
 */
export function addAdminGatewayRoutes(router: Router, admin: AdminDependencies): void {
  addListRoutes(router, '/gateways', {
    query: gatewaysQuery,
    list: (query) => admin.views.gateways({ ...query, homeId: query.home_id }, query),
    item: gatewayItem,
    detail: (id) => gatewayDetail(admin, id),
    notFound: { code: 'gateway_not_found', message: 'No such gateway' },
  });

  router.post('/gateways/:id/revoke', async (ctx: Context) => {
    const id = uuidParam(ctx.params, 'id');
    const { reason } = validate(reasonBody, ctx.request.body);
    if (!(await admin.views.gateway(id))) throw new HttpError(404, 'gateway_not_found', 'No such gateway');
    const write = await admin.staff.revokeGateway(ctx.state.userId as string, id, reason, staffContext(ctx));
    await answerWrite(ctx, admin, write, `/api/admin/gateways/${id}`, () => gatewayDetail(admin, id));
  });
}

async function gatewayDetail(admin: AdminDependencies, id: string) {
  const row = await admin.views.gateway(id);
  if (!row) return null;
  const [sessions, queued] = await Promise.all([
    admin.views.sessionsOfGateway(id, SESSION_HISTORY),
    admin.views.queuedCommands(id, QUEUED_SHOWN),
  ]);
  return {
    ...gatewayItem(row),
    sessions: sessions.map((session) => ({
      session_id: session.session_id,
      node_id: session.node_id,
      remote_address: session.remote_address,
      started_at: isoOrNull(session.started_at),
      ended_at: isoOrNull(session.ended_at),
      close_reason: session.close_reason,
    })),
    queued_commands: queued.map((command) => ({
      id: command.id,
      device_id: command.device_id,
      action: command.action,
      status: command.status,
      issued_at: isoOrNull(command.issued_at),
      attempts: command.attempts,
    })),
  };
}
