import { z } from 'zod';
import { pageHeaders, pageQuery } from '../pagination.ts';
import { uuid } from '../path-params.ts';
import {
  component,
  error,
  id,
  isoTime,
  isoTimeOrNull,
  json,
  noContent,
  pending,
  uuidParams,
  type Operation,
} from '../openapi/operation.ts';

export const gatewayName = z.string().trim().min(1, 'must not be empty').max(150);
export const provisionBody = z.object({ name: gatewayName.optional(), home_id: uuid.optional() });
export const renameGatewayBody = z.object({ name: gatewayName });
const gatewayIdParams = uuidParams('id');

export const gatewayResponse = component(
  'Gateway',
  z.object({
    id,
    home_id: id,
    name: z.string(),
    version: z.string().nullable().describe('The gateway software version reported at pairing'),
    status: z.enum(['pending', 'online', 'offline', 'revoked']),
    last_seen: isoTimeOrNull,
    created_at: isoTime,
    revoked_at: isoTimeOrNull,
  }),
);
export const provisionedResponse = component(
  'ProvisionedGateway',
  z.object({
    id,
    gateway_id: id.describe('Same as id (the field edge reads gateway_id)'),
    home_id: id,
    name: z.string(),
    version: z.string().nullable(),
    secret: z.string().describe('The gateway secret: shown in this answer only'),
    status: z.literal('pending'),
    created_at: isoTime,
  }),
);
const secretResponse = z.object({ secret: z.string().describe('The new secret, shown once') });
export type GatewayResponse = z.infer<typeof gatewayResponse>;
export type ProvisionedResponse = z.infer<typeof provisionedResponse>;
export type SecretResponse = z.infer<typeof secretResponse>;

const tags = ['gateways'];
const notFound = error('gateway_not_found: no such gateway, or not in one of your homes');
const forbidden = error('forbidden: your role in the home may not do this');
const writeConflict = error('gateway_revoked (the gateway is revoked), or concurrent_update (retry)');

const gatewayOperation = (
  operation: Pick<Operation, 'method' | 'path' | 'operationId' | 'summary'> & Partial<Operation>,
): Operation => ({ tags, auth: 'user', params: gatewayIdParams, responses: {}, ...operation });

const rename = (method: 'patch' | 'put', operationId: string, summary: string) =>
  gatewayOperation({
    method,
    path: '/api/gateways/{id}',
    operationId,
    summary,
    body: renameGatewayBody,
    responses: {
      200: json('The renamed gateway', gatewayResponse),
      202: pending(),
      403: forbidden,
      404: notFound,
      409: writeConflict,
    },
  });

export const gatewayOperations: readonly Operation[] = [
  {
    method: 'post',
    path: '/api/gateways/provision',
    operationId: 'provisionGateway',
    summary: 'Provision a gateway in one of your homes (or in a new home) and get its secret',
    tags,
    auth: 'user',
    body: provisionBody,
    responses: {
      201: json('Provisioned (pending until it connects)', provisionedResponse, { 'Cache-Control': 'no-store' }),
      403: forbidden,
      404: error('home_not_found: no such home, or not one of yours'),
      409: error('home_has_active_gateway: revoke it first; or concurrent_update'),
    },
  },
  {
    method: 'get',
    path: '/api/gateways',
    operationId: 'listGateways',
    summary: 'The gateways of your homes, a page at a time (oldest first)',
    description:
      'Always paged: `limit` (1–100, default 50) and `cursor`. The body is the array it always was; when more ' +
      'follow, the `Link` header (rel="next") and `X-Next-Cursor` carry the next page.',
    tags,
    auth: 'user',
    query: pageQuery,
    responses: {
      200: json('Gateways, oldest first', z.array(gatewayResponse), pageHeaders),
      400: error('validation_error (details.issues), or invalid_cursor'),
    },
  },
  gatewayOperation({
    method: 'get',
    path: '/api/gateways/{id}',
    operationId: 'getGateway',
    summary: 'One gateway',
    responses: { 200: json('The gateway', gatewayResponse), 404: notFound },
  }),
  rename('patch', 'renameGateway', 'Rename a gateway'),
  rename('put', 'renameGatewayPut', 'Same as PATCH (the original accepted PUT)'),
  gatewayOperation({
    method: 'delete',
    path: '/api/gateways/{id}',
    operationId: 'deleteGateway',
    summary: 'Delete a gateway (its session is closed; its history stays in the audit)',
    responses: { 204: noContent('Deleted'), 403: forbidden, 404: notFound, 409: error('concurrent_update: retry') },
  }),
  gatewayOperation({
    method: 'post',
    path: '/api/gateways/{id}/revoke',
    operationId: 'revokeGateway',
    summary: 'Revoke a gateway: its credentials stop working and its session is closed on whichever node holds it',
    responses: {
      200: json('The revoked gateway', gatewayResponse),
      202: pending(),
      403: forbidden,
      404: notFound,
      409: writeConflict,
    },
  }),
  gatewayOperation({
    method: 'post',
    path: '/api/gateways/{id}/rotate-secret',
    operationId: 'rotateGatewaySecret',
    summary: 'Issue a new gateway secret (the old one stops working)',
    responses: {
      200: json('The new secret', secretResponse, { 'Cache-Control': 'no-store' }),
      403: forbidden,
      404: notFound,
      409: writeConflict,
    },
  }),
];
