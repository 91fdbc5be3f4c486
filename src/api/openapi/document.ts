/**
 * The OpenAPI 3.1 document served at /api/openapi.json, generated from the operations of every capability
 * (`src/api/contracts/*-contract.ts`): request schemas as the routes validate them (zod input), response schemas as
 * the routes' body builders are typed (zod output). Nothing here is written by hand but prose.
 */
import { apiOperations } from '../contracts/index.ts';
import { error, namedComponents, type Operation, type ResponseSpec } from './operation.ts';
import { operationObject } from './operation-object.ts';
import { SchemaNames } from './schema-names.ts';

type JsonObject = Record<string, unknown>;

const INFO = {
  title: 'Smart Home Cloud API',
  version: '0.2.0',
  description:
    'REST API of the Smart Home Cloud backend. Every change is an event. Every error is ' +
    '`{ "error": { "code", "message", "details?" } }`. Paths accept an optional trailing slash (the field clients ' +
    'send one). Generated from the zod schemas the routes use; a readable page is at `/api/docs`.',
};

/** Answers every operation can give, besides its own: added unless the operation describes them itself. */
function standardResponses(operation: Operation): Record<number, ResponseSpec> {
  const extra: Record<number, ResponseSpec> = {};
  // The body parser runs before any route, on every method that may carry a body, whether the route reads it or not.
  const parsesBody = operation.method !== 'get' && !operation.upgrade;
  if (operation.params || operation.query || operation.headers || parsesBody) {
    extra[400] = error(
      'Invalid input: validation_error (details.issues [{path, message}]), invalid_json, invalid_id (a path id), or ' +
        'json_out_of_bounds (deeper than 32 levels, over 100,000 values, a string over 65,536 characters, a ' +
        'non-finite number, NUL or a lone surrogate; details {violation, path})',
    );
  }
  if (operation.auth === 'user') {
    extra[401] = error('not_authenticated (no Bearer token) or invalid_token (expired, malformed, ended sign-in)');
  }
  if (parsesBody) {
    extra[413] = error('body_too_large: the body is over 1 MiB');
    extra[415] = error('unsupported_media_type: the body is not application/json');
  }
  if (!operation.upgrade) {
    extra[500] = error('internal_error: unexpected; details.request_id names it in the logs');
    extra[503] = storeUnavailable;
  }
  return extra;
}

const STORE_UNAVAILABLE =
  'event_store_unavailable: the event store did not answer within EVENT_STORE_RETRY_TOTAL_MS (a restart, a leader ' +
  'election, an overloaded node); retry after Retry-After seconds';
const storeUnavailable: ResponseSpec = {
  ...error(STORE_UNAVAILABLE),
  headers: { 'Retry-After': 'Seconds to wait before retrying' },
};

export function withStandardResponses(operation: Operation): Operation {
  const own = operation.responses[503];
  const responses = { ...standardResponses(operation), ...operation.responses };
  // A route with its own 503 (shutting_down, gateway busy) can still meet an unavailable store.
  if (own && !operation.upgrade)
    responses[503] = { ...own, description: `${own.description}; or ${STORE_UNAVAILABLE}` };
  return { ...operation, responses };
}

export function openApiDocument(operations: readonly Operation[] = apiOperations) {
  const names = new SchemaNames();
  const complete = operations.map(withStandardResponses);
  names.registerShared(namedComponents());
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const operation of complete) {
    (paths[operation.path] ??= {})[operation.method] = operationObject(operation, names);
  }
  return {
    openapi: '3.1.0',
    info: INFO,
    servers: [{ url: '/' }],
    tags: [...new Set(complete.flatMap((operation) => operation.tags))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token' },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' },
      },
      schemas: names.components(),
    },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
