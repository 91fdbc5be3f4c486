import type Router from '@koa/router';
import type Koa from 'koa';

/**
 * The routers as one middleware that runs, per request, only the routers that hold a route whose path could match.
 *
 * Chained one after the other (`routes()`, `allowedMethods()` per router), every request ran every router's
 * matcher — fifteen regular-expression scans, closures and arrays before the one router that answers. A router
 * none of whose routes can match a path does nothing but record no match and call `next()`, so leaving it out
 * changes nothing: the candidates run in the same order, with the same `routes()` middleware, and 404, 405, 501 and
 * `OPTIONS` come from one `allowedMethods()` around them, which sees the matches of every router that ran, as the
 * innermost of the chained ones did (every router has the same default method list, so which one answers is moot).
 *
 * A route can match only a path that starts with its literal part (up to its first parameter, wildcard, group
 * or escape), compared case-sensitively, as every router is built (case-sensitive-router.ts).
 */
export function dispatchByPrefix(routers: readonly Router[]): Koa.Middleware {
  if (routers.length === 0) throw new Error('dispatchByPrefix needs at least one router');
  if (routers.length > 31) throw new Error('dispatchByPrefix holds at most 31 routers (a bit each)');
  const prefixes = routers.map(routePrefixes);
  // As `app.use()` takes them: it widens the context to the router's (params, router), which it adds itself.
  const routes = routers.map((router) => router.routes() as unknown as Koa.Middleware);
  const allowed = routers[0]!.allowedMethods() as unknown as Koa.Middleware;
  const chains = new Map<number, Koa.Middleware>();
  const chainOf = (mask: number): Koa.Middleware => {
    let chain = chains.get(mask);
    if (chain === undefined) {
      chain = inOrder([allowed, ...routes.filter((_, index) => (mask & (1 << index)) !== 0)]);
      chains.set(mask, chain);
    }
    return chain;
  };
  return (ctx, next) => {
    const path = ctx.path;
    let mask = 0;
    for (let index = 0; index < prefixes.length; index++) {
      if (startsWithAny(path, prefixes[index]!)) mask |= 1 << index;
    }
    // `allowedMethods()` answers only once a router recorded its matches (none: an empty list, as a router does).
    const routed = ctx as unknown as { matched?: unknown[] };
    routed.matched ??= [];
    return chainOf(mask)(ctx, next);
  };
}

function startsWithAny(path: string, prefixes: readonly string[] | null): boolean {
  if (prefixes === null) return true;
  for (const prefix of prefixes) if (path.startsWith(prefix)) return true;
  return false;
}

/** The literal parts of a router's routes; null when a route is a regular expression (always a candidate). */
function routePrefixes(router: Router): string[] | null {
  const literals: string[] = [];
  for (const layer of router.stack) {
    if (layer.methods.length === 0) continue; // `router.use()` middleware: runs only when a route of it matched
    if (typeof layer.path !== 'string') return null;
    literals.push(literalPart(layer.path));
  }
  return [...new Set(literals)];
}

/** The path up to its first parameter (`:id`), wildcard (`*rest`), optional group (`{…}`), group or escape. */
function literalPart(path: string): string {
  const end = path.search(/[:*{}()\\?+[\]]/);
  return end === -1 ? path : path.slice(0, end);
}

/** Middleware run one inside the other, as `app.use()` in this order would (koa-compose, without its checks). */
function inOrder(chain: readonly Koa.Middleware[]): Koa.Middleware {
  type Step = (ctx: Koa.ParameterizedContext, next: Koa.Next) => Promise<unknown>;
  const steps: Step[] = [];
  steps[chain.length] = async (_ctx, next) => next();
  for (let index = chain.length - 1; index >= 0; index--) {
    const middleware = chain[index]!;
    const inner = steps[index + 1]!;
    steps[index] = async (ctx, next) => middleware(ctx, () => inner(ctx, next));
  }
  return steps[0]!;
}
