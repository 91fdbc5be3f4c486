import type Koa from 'koa';

/**
 * What the REST side reports per request. Defined here and implemented in src/metrics, so src/api does not depend
 * on prom-client. `route` is koa-router's template (`/api/homes/:id/`), never the raw path, or `unmatched`.
 */
export interface HttpRequestRecorder {
  observe(method: string, route: string, status: number, seconds: number): void;
}

/** The route template a request matched (set by @koa/router), bounded: raw paths would make a series per id. */
function routeTemplateOf(ctx: object): string {
  const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
  return typeof matched === 'string' ? matched : 'unmatched';
}

/** Times every request and reports it once answered; outermost, so it sees the status the error handler chose. */
export function requestMetrics(recorder: HttpRequestRecorder): Koa.Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } finally {
      recorder.observe(ctx.method, routeTemplateOf(ctx), status, (performance.now() - started) / 1000);
    }
  };
}
