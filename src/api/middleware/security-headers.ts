import type { Middleware } from 'koa';
import helmet from 'koa-helmet';

/**
 * Protective headers for a JSON API: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
 * `Referrer-Policy: no-referrer`, no cross-origin opener/resource sharing beyond the CORS allow-list, and
 * `Strict-Transport-Security` only when the deployment is HTTPS (`hsts`): sent over plain HTTP it would pin
 * browsers to an HTTPS endpoint that does not exist. No Content-Security-Policy: the API serves no HTML page
 * that loads anything.
 */
export function securityHeaders(options: { hsts: boolean }): Middleware {
  return helmet({
    contentSecurityPolicy: false,
    crossOriginEmbedderPolicy: false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
}
