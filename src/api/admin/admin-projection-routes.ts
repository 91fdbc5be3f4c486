import type Router from '@koa/router';
import type { Context } from 'koa';
import type { RebuildRow } from '../../projections/queries/rebuild-queries.ts';
import { projectionName } from '../contracts/admin-contract.ts';
import { HttpError } from '../http-error.ts';
import { isoOrNull } from '../path-params.ts';
import { validate } from '../validation.ts';
import type { AdminDependencies, ProjectionView } from './admin-dependencies.ts';
import { reasonBody, staffContext } from './admin-query.ts';

function nameParam(ctx: Context): string {
  const result = projectionName.safeParse(ctx.params.name);
  if (!result.success) throw new HttpError(400, 'invalid_name', 'name must be a projection name', { param: 'name' });
  return result.data;
}

const count = (value: string | number | null) => (value === null ? null : Number(value));

export const rebuildItem = (row: RebuildRow, leaseHeld: boolean) => ({
  id: row.rebuild_id,
  projection: row.projection,
  // Recorded as running while no node holds its lease: its node died (the next rebuild records it abandoned).
  state: row.state === 'running' && !leaseHeld ? ('interrupted' as const) : row.state,
  staff_id: row.staff_id,
  reason: row.reason,
  node_id: row.node_id,
  done: Number(row.done),
  total: count(row.total),
  rejected: count(row.rejected),
  error: row.error,
  started_at: isoOrNull(row.started_at)!,
  updated_at: isoOrNull(row.updated_at)!,
  finished_at: isoOrNull(row.finished_at),
});

const projectionItem = (s: ProjectionView) => ({
  name: s.name,
  version: s.version,
  tables_version: s.tablesVersion,
  checkpoint: s.checkpoint,
  lag_events: s.lagEvents,
  lag_capped: s.lagCapped,
  lag_seconds: s.lagSeconds,
  state: s.state,
  rejected_events: s.rejected.count,
  applied_by: s.appliedBy,
  rebuild: s.rebuild && rebuildItem(s.rebuild, s.rebuild.leaseHeld),
});

/**
 * `/api/admin/projections`: every read model's state, lag, dead letters, the node applying it and its newest
 * rebuild; `/{name}` adds its recent rebuilds; `POST /{name}/rebuild` (with a reason) starts the CLI's blue/green
 * rebuild in the background: 202 and a Location to follow (progress also on the overview's event stream).
 */
export function addAdminProjectionRoutes(router: Router, admin: AdminDependencies): void {
  router.get('/projections', async (ctx: Context) => {
    const statuses = await admin.projections();
    ctx.body = { items: statuses.map(projectionItem), total: statuses.length };
  });

  router.get('/projections/:name', async (ctx: Context) => {
    const found = await admin.projection(nameParam(ctx));
    if (!found) throw new HttpError(404, 'projection_not_found', 'No such projection');
    const leaseHeld = found.view.rebuild?.leaseHeld ?? false;
    ctx.body = {
      ...projectionItem(found.view),
      // Only the newest can still hold the lease: older ones recorded as running were interrupted.
      rebuilds: found.rebuilds.map((row, index) => rebuildItem(row, index === 0 && leaseHeld)),
    };
  });

  router.post('/projections/:name/rebuild', async (ctx: Context) => {
    const name = nameParam(ctx);
    const { reason } = validate(reasonBody, ctx.request.body);
    const started = await admin.startRebuild(ctx.state.userId as string, name, reason, staffContext(ctx));
    const location = `/api/admin/projections/${name}`;
    // The location shows the rebuild once its read model caught up (not awaited past the usual bound: it runs on).
    await admin.settle(started.write);
    ctx.status = 202;
    ctx.set('Location', location);
    ctx.body = { rebuild_id: started.rebuildId, projection: name, status: 'running' as const, location };
  });
}
