import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { unauthorized } from '../http-error.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

/** The process metrics in the Prometheus text format (implemented in src/metrics). */
export interface MetricsSource {
  readonly contentType: string;
  scrape(): Promise<string>;
}

/** Compares digests, so the time taken says nothing about how much of the token matched (nor its length). */
function sameToken(presented: string, expected: Buffer): boolean {
  return timingSafeEqual(createHash('sha256').update(presented).digest(), expected);
}

/**
 * `GET /metrics` on the main port, for a scraper holding `METRICS_TOKEN` as a bearer token; anything else is a
 * 401 JSON error. Installed only when the token is configured (otherwise the path is an ordinary 404).
 */
export function metricsRoutes(source: MetricsSource, token: string): Router {
  const expected = createHash('sha256').update(token).digest();
  const router = caseSensitiveRouter();
  router.get('/metrics', async (ctx: Context) => {
    const header = ctx.get('authorization');
    const presented = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : null;
    if (presented === null || !sameToken(presented, expected)) {
      throw unauthorized('invalid_metrics_token', 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = source.contentType;
    ctx.body = await source.scrape();
  });
  return router;
}
