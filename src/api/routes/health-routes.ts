import Router from '@koa/router';
import type { Context } from 'koa';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

export interface ReadinessCheck {
  name: string;
  /** `degraded`: working, with a problem an operator should look at (still ready). */
  check(): Promise<{ ok: boolean; degraded?: boolean; detail?: unknown }>;
}

/**
 * `/healthz`: the process answers. `/readyz`: the stores answer and projections are caught up within a bound —
 * 200 `ready`, 200 `degraded` (ready, but a check reports a problem, e.g. a projection rejected events), or 503
 * `not_ready`.
 */
export function healthRoutes(checks: readonly ReadinessCheck[]): Router {
  const router = caseSensitiveRouter();
  router.get('/healthz', (ctx: Context) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx: Context) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          return { name, ...(await check()) };
        } catch (error) {
          return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    const ready = results.every((result) => result.ok);
    const degraded = results.some((result) => 'degraded' in result && result.degraded === true);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? (degraded ? 'degraded' : 'ready') : 'not_ready', checks: results };
  });
  return router;
}
