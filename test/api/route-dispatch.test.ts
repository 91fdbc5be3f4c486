import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type Router from '@koa/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRouters } from '../../src/api/create-api.ts';
import type { ApiDependencies } from '../../src/api/api-dependencies.ts';
import { adminRoutes } from '../../src/api/admin/admin-routes.ts';
import type { AdminDependencies } from '../../src/api/admin/admin-dependencies.ts';
import { adminConsoleRoutes } from '../../src/api/admin/admin-console-routes.ts';
import { InvalidTokenError, type TokenService } from '../../src/api/auth/token-service.ts';
import { errorHandler } from '../../src/api/middleware/error-handler.ts';
import { jsonBody } from '../../src/api/middleware/json-body.ts';
import { dispatchByPrefix } from '../../src/api/route-dispatch.ts';
import { createLogger } from '../../src/logger.ts';

/**
 * The routers dispatched by prefix answer every request as the routers chained one after the other did
 * (`app.use(router.routes()); app.use(router.allowedMethods())` per router): same status, Allow header and body
 * for every route's path under every method, with the case changed, with and without a trailing slash, and for
 * paths no route holds. Dependencies are stubs that fail (a route that reaches one answers 500 in both apps): what
 * is compared is which route, if any, a request reaches.
 */
const USER = '00000000-0000-4000-8000-000000000001';
const ID = '00000000-0000-4000-8000-000000000002';

const failing = (): unknown =>
  new Proxy(() => undefined, {
    get: (_target, key) => (key === 'then' ? undefined : failing()),
    apply: () => {
      throw new Error('stub dependency');
    },
  });

const tokens = {
  verifyAccess: async (token: string) => {
    if (token !== 'good') throw new InvalidTokenError('Invalid token');
    return { userId: USER, expiresAt: Math.floor(Date.now() / 1000) + 600, staff: false };
  },
  publicKeys: () => [],
} as unknown as TokenService;

function routers(): Router[] {
  const deps = new Proxy({} as ApiDependencies, {
    get: (_target, key) => (key === 'tokens' ? tokens : failing()),
  });
  return [...apiRouters(deps, []), adminRoutes(tokens, failing() as AdminDependencies), adminConsoleRoutes()];
}

async function serve(install: (app: Koa) => void): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Koa();
  app.use(errorHandler(createLogger('silent')));
  app.use(jsonBody(1024 * 1024));
  install(app);
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Every route's path with its parameters filled in, in several spellings, and paths no route holds. */
function paths(): string[] {
  const templates = routers().flatMap((router) =>
    router.stack.filter((layer) => layer.methods.length > 0).map((layer) => String(layer.path)),
  );
  // The admin overview's event stream stays open: it is left out (its path's neighbours are in).
  const filled = [...new Set(templates)]
    .filter((template) => !template.endsWith('/stream'))
    .map((template) => template.replace(/:[a-z_]+/g, ID));
  const spellings = filled.flatMap((path) => [path, `${path}/`, path.toUpperCase(), `${path}/extra`]);
  const strangers = [
    '/',
    '/api',
    '/api/',
    '/api/nothing',
    '/API/GATEWAYS/',
    '/api/gateways/homes',
    '/admin',
    '//x',
    '/api/admin/overview/streams',
  ];
  return [...spellings, ...strangers];
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND'];

async function answer(url: string, method: string, path: string, authorization: string) {
  const response = await fetch(`${url}${path}`, {
    method,
    signal: AbortSignal.timeout(5000),
    headers: { authorization, 'content-type': 'application/json' },
    ...(['POST', 'PUT', 'PATCH'].includes(method) ? { body: '{}' } : {}),
  });
  return { status: response.status, allow: response.headers.get('allow'), body: await response.text() };
}

describe('routing by prefix', () => {
  let chained: Awaited<ReturnType<typeof serve>>;
  let byPrefix: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    chained = await serve((app) => {
      for (const router of routers()) {
        app.use(router.routes());
        app.use(router.allowedMethods());
      }
    });
    byPrefix = await serve((app) => app.use(dispatchByPrefix(routers())));
  });
  afterAll(async () => {
    await Promise.all([chained?.close(), byPrefix?.close()]);
  });

  it('answers every method on every path as the chained routers did', { timeout: 180_000 }, async () => {
    const differences: string[] = [];
    const statuses = new Set<number>();
    const requests = paths().flatMap((path) =>
      METHODS.flatMap((method) => [
        { path, method, authorization: 'Bearer good' },
        ...(method === 'GET' ? [{ path, method, authorization: 'Bearer bad' }] : []),
      ]),
    );
    for (let start = 0; start < requests.length; start += 32) {
      await Promise.all(
        requests.slice(start, start + 32).map(async ({ path, method, authorization }) => {
          const [before, after] = await Promise.all([
            answer(chained.url, method, path, authorization),
            answer(byPrefix.url, method, path, authorization),
          ]);
          statuses.add(before.status);
          if (JSON.stringify(before) !== JSON.stringify(after)) {
            differences.push(
              `${method} ${path} (${authorization}): ${JSON.stringify(before)} → ${JSON.stringify(after)}`,
            );
          }
        }),
      );
    }
    expect(differences).toEqual([]);
    // The grid reaches routes, refusals and every routing answer, so the comparison covers them all.
    for (const status of [200, 400, 401, 404, 405, 500, 501]) expect([...statuses]).toContain(status);
  });

  it('a path in another case than its route reaches no route: 404 with or without a token, never its handler', async () => {
    const templates = routers().flatMap((router) =>
      router.stack.filter((layer) => layer.methods.length > 0).map((layer) => String(layer.path)),
    );
    const misspelled = [
      // The spellings that reached the gateway list and the admin user list with no token before the routers were
      // case-sensitive.
      '/API/GATEWAYS/',
      '/Api/Homes/',
      '/API/ADMIN/users',
      ...[...new Set(templates)]
        .filter((template) => !template.endsWith('/stream') && /[a-z]/.test(template))
        .flatMap((template) => {
          const path = template.replace(/:[a-z_]+/g, ID);
          return [path.toUpperCase(), path.replace(/\/([a-z])/g, (_all, letter: string) => `/${letter.toUpperCase()}`)];
        }),
    ];
    const reached: string[] = [];
    for (const path of misspelled) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        for (const authorization of ['', 'Bearer good']) {
          // Both apps: the routers' own matching is case-sensitive, not only the dispatch by prefix.
          for (const [app, url] of [
            ['chained', chained.url],
            ['by prefix', byPrefix.url],
          ]) {
            const { status, body } = await answer(url!, method, path, authorization);
            if (status !== 404)
              reached.push(`${app}: ${method} ${path} (${authorization || 'no token'}): ${status} ${body}`);
          }
        }
      }
    }
    expect(reached).toEqual([]);
  });
});
