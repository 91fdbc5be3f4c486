import { z } from 'zod';
import { component, error, json, type Operation } from '../openapi/operation.ts';

const healthResponse = z.object({ status: z.literal('ok') });
const readinessResponse = component(
  'Readiness',
  z.object({
    status: z.enum(['ready', 'degraded', 'not_ready']),
    checks: z.array(
      z.looseObject({
        name: z.string(),
        ok: z.boolean(),
        degraded: z.boolean().optional(),
        detail: z.unknown().optional(),
      }),
    ),
  }),
);
const openApiResponse = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) });
const jwkSet = component(
  'JwkSet',
  z.object({
    keys: z.array(
      z.object({
        kty: z.literal('OKP'),
        crv: z.literal('Ed25519'),
        x: z.string(),
        kid: z.string().describe('RFC 7638 thumbprint; the `kid` in the header of tokens signed with it'),
        alg: z.literal('EdDSA'),
        use: z.literal('sig'),
      }),
    ),
  }),
);
export type ReadinessResponse = z.infer<typeof readinessResponse>;

export const systemOperations: readonly Operation[] = [
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    operationId: 'getJwks',
    summary: 'The Ed25519 public keys access tokens are verified with (when JWT_PRIVATE_KEY_FILE is set)',
    description:
      'The signing key first, then the previous ones. Cacheable for five minutes, with an ETag (If-None-Match → 304).',
    tags: ['operations'],
    auth: 'none',
    responses: {
      200: { description: 'The key set', body: jwkSet, contentType: 'application/jwk-set+json' },
      304: { description: 'Not modified (If-None-Match matched the ETag)' },
      404: error('not_found: tokens are HS256 (a shared secret is never published)'),
    },
  },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'The process answers',
    tags: ['operations'],
    auth: 'none',
    responses: { 200: json('Up', healthResponse) },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Stores reachable and projections caught up',
    tags: ['operations'],
    auth: 'none',
    responses: {
      200: json('`ready`, or `degraded`: ready, but a check reports a problem (see checks)', readinessResponse),
      503: json('`not_ready` (see checks)', readinessResponse),
    },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Process metrics in the Prometheus text format (only when METRICS_TOKEN is set; else 404)',
    tags: ['operations'],
    auth: 'metrics',
    responses: {
      200: { description: 'The metrics', contentType: 'text/plain' },
      401: error('invalid_metrics_token: no or wrong Bearer METRICS_TOKEN'),
    },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tags: ['operations'],
    auth: 'none',
    responses: { 200: json('The OpenAPI 3.1 document', openApiResponse) },
  },
  {
    method: 'get',
    path: '/api/docs',
    operationId: 'getApiDocs',
    summary: 'A readable page of this document (HTML, no scripts)',
    tags: ['operations'],
    auth: 'none',
    responses: { 200: { description: 'The page', contentType: 'text/html' } },
  },
];
