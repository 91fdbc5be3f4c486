import type { Middleware } from 'koa';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Protective headers for a JSON API: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
 * `Referrer-Policy: no-referrer`, no cross-origin opener/resource sharing beyond the CORS allow-list, and
 * `Strict-Transport-Security` only when the deployment is HTTPS (`hsts`): sent over plain HTTP it would pin
 * browsers to an HTTPS endpoint that does not exist. No Content-Security-Policy: the API serves no HTML page
 * that loads anything.
 *
 * Helmet decides the headers once, at start-up; each request gets them as a fixed list. Without a CSP nonce
 * nothing in them depends on the request, and helmet's thirteen nested middleware calls per request were a few
 * percent of a list read's CPU.
 */
export function securityHeaders(options: { hsts: boolean }): Middleware {
  const { set, removed } = headersOf({
    contentSecurityPolicy: false,
    crossOriginEmbedderPolicy: false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  return async (ctx, next) => {
    for (const [name, value] of set) ctx.set(name, value);
    for (const name of removed) ctx.remove(name);
    await next();
  };
}

/** What helmet's middleware does to a response, recorded on a stand-in response, in its order. */
function headersOf(options: HelmetOptions): { set: [string, string][]; removed: string[] } {
  const set: [string, string][] = [];
  const removed: string[] = [];
  const response = {
    setHeader: (name: string, value: unknown) => set.push([name, String(value)]),
    removeHeader: (name: string) => removed.push(name),
  };
  let finished = false;
  const middleware = helmet(options) as unknown as (request: object, response: object, next: () => void) => void;
  middleware({}, response, () => (finished = true));
  if (!finished) throw new Error('helmet did not finish synchronously: its headers cannot be fixed at start-up');
  return { set, removed };
}
