/**
 * The OpenAPI 3.1 description served at /api/openapi.json. Each capability adds its paths in its own file.
 */
import { auditPaths, auditSchemas } from './audit-paths.ts';
import { authPaths } from './auth-paths.ts';
import { components } from './components.ts';
import { fieldAppPaths, fieldAppSchemas } from './field-app-paths.ts';
import { gatewayPaths, gatewaySchemas } from './gateway-paths.ts';
import { deviceSyncPaths } from './device-sync-paths.ts';
import { homePaths, homeSchemas } from './home-paths.ts';
import { deleteHomeOperation, leavingPaths } from './leaving-paths.ts';
import { remoteCommandPaths, remoteCommandSchemas } from './remote-command-paths.ts';

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Smart Home Cloud API',
      version: '0.1.0',
      description:
        'REST API of the Smart Home Cloud backend. Every change is an event; errors are `{ "error": { "code", "message", "details?" } }`. Paths accept an optional trailing slash.',
    },
    servers: [{ url: '/' }],
    components: {
      ...components,
      schemas: {
        ...components.schemas,
        ...gatewaySchemas,
        ...homeSchemas,
        ...remoteCommandSchemas,
        ...auditSchemas,
        ...fieldAppSchemas,
      },
    },
    paths: {
      '/healthz': { get: { summary: 'Process is up', responses: { 200: { description: 'ok' } } } },
      '/readyz': {
        get: {
          summary: 'Stores reachable and projections caught up',
          responses: {
            200: {
              description:
                '`ready`, or `degraded`: ready, but a check reports a problem (a projection rejected events; see checks)',
            },
            503: { description: 'not ready (see checks)' },
          },
        },
      },
      ...authPaths,
      ...gatewayPaths,
      ...homePaths,
      '/api/homes/{home_id}/': { ...homePaths['/api/homes/{home_id}/'], delete: deleteHomeOperation },
      ...leavingPaths,
      ...deviceSyncPaths,
      ...remoteCommandPaths,
      ...auditPaths,
      ...fieldAppPaths,
    },
  };
}
