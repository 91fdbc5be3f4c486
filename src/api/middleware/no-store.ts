import type { Context, Next } from 'koa';

/**
 * `Cache-Control: no-store` (and `Pragma: no-cache` for HTTP/1.0 caches) on every answer, set before the route
 * runs: tokens, gateway secrets and pairing codes travel in bodies of many routes, and a default that protects
 * them all cannot be forgotten on the next one. A route whose answer may be cached sets its own Cache-Control.
 */
export async function noStore(ctx: Context, next: Next): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  await next();
}
