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
export type ReadinessResponse = z.infer<typeof readinessResponse>;

export const systemOperations: readonly Operation[] = [
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
