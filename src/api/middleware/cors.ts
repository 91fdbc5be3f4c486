import type { Context, Next } from 'koa';

/** Request headers a browser client may send: the ones the API reads. */
const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key, X-Request-Id, X-Correlation-Id';
const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE';
/** Response headers a browser client may read besides the CORS-safelisted ones. */
const EXPOSED_HEADERS = 'Link, Location, Retry-After, X-Next-Cursor, X-Request-Id';
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * CORS for an exact allow-list of origins (CORS_ORIGINS). Empty list: no CORS headers at all (browsers keep to
 * the same origin). Credentials are never allowed: the API authenticates with bearer tokens, not cookies. A
 * preflight from an allowed origin is answered here (204); one from any other origin gets no CORS headers, so
 * the browser refuses the call.
 */
export function cors(allowedOrigins: readonly string[]): (ctx: Context, next: Next) => Promise<void> {
  const allowed = new Set(allowedOrigins);
  return async (ctx: Context, next: Next) => {
    if (allowed.size === 0) {
      await next();
      return;
    }
    // The answer depends on Origin: a shared cache must not hand one origin's answer to another.
    ctx.vary('Origin');
    const origin = ctx.get('origin');
    if (!allowed.has(origin)) {
      await next();
      return;
    }
    ctx.set('Access-Control-Allow-Origin', origin);
    if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) {
      ctx.set('Access-Control-Allow-Methods', ALLOWED_METHODS);
      ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      ctx.set('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_S));
      ctx.status = 204;
      return;
    }
    ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    await next();
  };
}
