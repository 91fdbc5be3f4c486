import Router from '@koa/router';

/**
 * Every router of the API is built here, case-sensitive.
 *
 * @koa/router matches routes case-insensitively by default, but a router's `use()` middleware — where
 * `requireUser` and `requireStaff` sit — is compiled case-sensitively: `GET /API/GATEWAYS/` reached the gateway
 * list with no token at all. Paths are case-sensitive in the Django original the field clients were written
 * against, and they send lower case: a path in another case is a 404 here too, never a route without its guards.
 */
export function caseSensitiveRouter(prefix?: string): Router {
  return new Router(prefix === undefined ? { sensitive: true } : { prefix, sensitive: true });
}
