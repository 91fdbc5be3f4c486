import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import type { ApiDependencies } from '../../src/api/api-dependencies.ts';
import { adminRoutes } from '../../src/api/admin/admin-routes.ts';
import type { AdminDependencies } from '../../src/api/admin/admin-dependencies.ts';
import type { TokenService } from '../../src/api/auth/token-service.ts';
import { apiRouters } from '../../src/api/create-api.ts';
import { openApiDocument } from '../../src/api/openapi/document.ts';
import { metricsRoutes } from '../../src/api/routes/metrics-routes.ts';

const document = openApiDocument();

/** The routers only keep their dependencies for later calls: building them needs no real ones. */
function registeredRoutes(): string[] {
  const tokens = { publicKeys: () => [] };
  const inert: ApiDependencies = new Proxy({} as ApiDependencies, {
    get: (_target, key) => (key === 'tokens' ? tokens : {}),
  });
  const metrics = metricsRoutes({ contentType: 'text/plain', scrape: async () => '' }, 'token');
  const admin = adminRoutes(tokens as unknown as TokenService, {} as AdminDependencies);
  return [...apiRouters(inert, []), metrics, admin].flatMap((router) =>
    router.stack.flatMap((layer) =>
      layer.methods
        .filter((method) => method !== 'HEAD')
        .map(
          (method) =>
            `${method} ${String(layer.path)
              .replace(/:([A-Za-z_]+)/g, '{$1}')
              .replace(/(.)\/$/, '$1')}`,
        ),
    ),
  );
}

function documentedRoutes(upgrades: boolean): string[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, operation]) => (operation.operationId === 'openAppSocket') === upgrades)
      .map(([method]) => `${method.toUpperCase()} ${path}`),
  );
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 for an independent validator', async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes exactly the routes the routers hold (plus the app socket upgrade)', () => {
    const registered = registeredRoutes();
    expect(new Set(registered).size).toBe(registered.length);
    expect([...registered].sort()).toEqual(documentedRoutes(false).sort());
    expect(documentedRoutes(true)).toEqual(['GET /ws/home/{id}']);
  });

  it('gives every operation a unique operationId, a success and the error envelope on every error status', () => {
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const operation of operations) {
      const statuses = Object.keys(operation.responses as object).map(Number);
      expect(
        statuses.some((status) => status < 300),
        String(operation.operationId),
      ).toBe(true);
      // The app socket's answers are upgrade refusals; /readyz's 503 is its readiness report, not an error.
      if (operation.operationId === 'openAppSocket') continue;
      for (const status of statuses.filter((s) => s >= 400 && operation.operationId !== 'getReadiness')) {
        const response = (operation.responses as Record<number, any>)[status];
        const ref: string = response.content['application/json'].schema.$ref;
        const schema = document.components.schemas[ref.split('/').at(-1)!] as any;
        expect(schema.required, `${String(operation.operationId)} ${status}`).toContain('error');
        expect(schema.properties.error.required).toEqual(expect.arrayContaining(['code', 'message']));
      }
    }
  });

  it('says which fields are required, in requests and answers', () => {
    const schemas = document.components.schemas as Record<string, any>;
    expect(schemas.RemoteCommandWithHistory.required).toEqual(
      expect.arrayContaining(['id', 'status', 'history', 'late_acks']),
    );
    expect(schemas.RemoteCommandWithHistory.additionalProperties).toBe(false);
    expect(schemas.RegisterRequest.required).toEqual(['email', 'password']);
    expect(schemas.Gateway.required).toEqual(
      expect.arrayContaining(['id', 'home_id', 'name', 'status', 'last_seen', 'created_at', 'revoked_at']),
    );
  });
});
