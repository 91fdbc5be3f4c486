import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AdminDependencies } from './admin-dependencies.ts';

/** `/api/admin/projections`: every read model's state, lag (events and seconds) and dead letters. */
export function addAdminProjectionRoutes(router: Router, admin: AdminDependencies): void {
  router.get('/projections', async (ctx: Context) => {
    const statuses = await admin.projections();
    ctx.body = {
      items: statuses.map((s) => ({
        name: s.name,
        version: s.version,
        tables_version: s.tablesVersion,
        checkpoint: s.checkpoint,
        lag_events: s.lagEvents,
        lag_capped: s.lagCapped,
        lag_seconds: s.lagSeconds,
        state: s.state,
        rejected_events: s.rejected.count,
      })),
      total: statuses.length,
    };
  });
}
