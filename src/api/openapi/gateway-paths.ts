import { commonErrors, errorResponse, jsonBody, jsonResponse } from './components.ts';

const bearer = [{ bearer: [] }];
const uuid = { type: 'string', format: 'uuid' };
const dateTime = { type: 'string', format: 'date-time' };
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' };
const status = { type: 'string', enum: ['pending', 'online', 'offline', 'revoked'] };
const gatewayRef = { $ref: '#/components/schemas/Gateway' };
const idParam = [{ name: 'id', in: 'path', required: true, schema: uuid }];

const gateway = {
  type: 'object',
  properties: { id: uuid, home_id: uuid, name: { type: 'string' }, status, last_seen: nullableDateTime, created_at: dateTime, revoked_at: nullableDateTime },
};
const provisioned = {
  type: 'object',
  description: 'The only answer that shows the secret (256 bits, base64url). Store it on the gateway.',
  properties: { id: uuid, gateway_id: uuid, home_id: uuid, name: { type: 'string' }, secret: { type: 'string' }, status, created_at: dateTime },
};
const notFound = errorResponse('No such gateway, or not one of your homes');
const forbidden = errorResponse('Your role in its home does not allow this');
const name = { type: 'string', minLength: 1, maxLength: 150 };

export const gatewaySchemas = { Gateway: gateway, ProvisionedGateway: provisioned };

export const gatewayPaths = {
  '/api/gateways/provision': {
    post: {
      tags: ['gateways'],
      security: bearer,
      summary: 'Provision a gateway; an unknown (or absent) home_id creates that home with you as owner',
      requestBody: jsonBody({ type: 'object', properties: { name, home_id: { ...uuid, description: "The edge's own home id" } } }),
      responses: {
        201: jsonResponse('Provisioned', { $ref: '#/components/schemas/ProvisionedGateway' }),
        403: forbidden,
        404: errorResponse('No such home (or not one of yours)'),
        409: errorResponse('The home already has an active gateway: revoke it first'),
        ...commonErrors,
      },
    },
  },
  '/api/gateways/request-pairing': {
    post: {
      tags: ['gateways'],
      security: bearer,
      summary: 'Get a single-use pairing code (8 characters, 10 minutes) for a gateway to redeem',
      requestBody: jsonBody({ type: 'object', properties: { home_id: uuid, name } }),
      responses: {
        201: jsonResponse('Code issued', { type: 'object', properties: { code: { type: 'string' }, expires_at: dateTime } }),
        403: forbidden,
        404: errorResponse('No such home (or not one of yours)'),
        ...commonErrors,
      },
    },
  },
  '/api/gateways/complete-pairing': {
    post: {
      tags: ['gateways'],
      summary: 'Called by the gateway, without a user token: redeem a pairing code and receive id and secret',
      requestBody: jsonBody({ type: 'object', required: ['code'], properties: { code: { type: 'string' }, home_id: uuid, name } }),
      responses: {
        201: jsonResponse('Provisioned', { $ref: '#/components/schemas/ProvisionedGateway' }),
        400: errorResponse('Invalid body, or a wrong, used or expired code (details.reason)'),
        409: errorResponse('The home already has an active gateway'),
        429: errorResponse('Too many failed attempts from this address (Retry-After)'),
      },
    },
  },
  '/api/gateways/': {
    get: {
      tags: ['gateways'],
      security: bearer,
      summary: 'Gateways of the homes you belong to',
      responses: { 200: jsonResponse('Gateways', { type: 'array', items: gatewayRef }), ...commonErrors },
    },
  },
  '/api/gateways/{id}/': {
    parameters: idParam,
    get: { tags: ['gateways'], security: bearer, summary: 'A gateway (any member of its home)', responses: { 200: jsonResponse('Gateway', gatewayRef), 404: notFound, ...commonErrors } },
    patch: {
      tags: ['gateways'],
      security: bearer,
      summary: 'Rename (owner, admin)',
      requestBody: jsonBody({ type: 'object', required: ['name'], properties: { name } }),
      responses: { 200: jsonResponse('Gateway', gatewayRef), 403: forbidden, 404: notFound, ...commonErrors },
    },
    delete: {
      tags: ['gateways'],
      security: bearer,
      summary: 'Soft delete (owner): gone from every answer, its events stay',
      responses: { 204: { description: 'Deleted' }, 403: forbidden, 404: notFound, ...commonErrors },
    },
  },
  '/api/gateways/{id}/revoke': {
    parameters: idParam,
    post: {
      tags: ['gateways'],
      security: bearer,
      summary: 'Revoke (owner, admin): it can no longer connect; the home may provision another',
      responses: { 200: jsonResponse('Gateway', gatewayRef), 403: forbidden, 404: notFound, ...commonErrors },
    },
  },
  '/api/gateways/{id}/rotate-secret': {
    parameters: idParam,
    post: {
      tags: ['gateways'],
      security: bearer,
      summary: 'New secret (owner, admin); the old one stops working at once',
      responses: {
        200: jsonResponse('The new secret, shown once', { type: 'object', properties: { secret: { type: 'string' } } }),
        403: forbidden,
        404: notFound,
        409: errorResponse('The gateway is revoked'),
        ...commonErrors,
      },
    },
  },
};
