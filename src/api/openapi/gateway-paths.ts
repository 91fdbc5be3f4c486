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
  properties: {
    id: uuid,
    home_id: uuid,
    name: { type: 'string' },
    version: { type: ['string', 'null'], description: "The gateway software's version it reported at pairing" },
    status,
    last_seen: nullableDateTime,
    created_at: dateTime,
    revoked_at: nullableDateTime,
  },
};
const provisioned = {
  type: 'object',
  description: 'The only answer that shows the secret (256 bits, base64url). Store it on the gateway.',
  properties: {
    id: uuid,
    gateway_id: uuid,
    home_id: uuid,
    name: { type: 'string' },
    version: { type: ['string', 'null'] },
    secret: { type: 'string' },
    status,
    created_at: dateTime,
    message: { type: 'string', description: 'complete-pairing only' },
  },
};
const notFound = errorResponse('No such gateway, or not one of your homes');
const forbidden = errorResponse('Your role in its home does not allow this');
const name = { type: 'string', minLength: 1, maxLength: 150 };

const rename = {
  tags: ['gateways'],
  security: bearer,
  summary: 'Rename (owner, admin)',
  requestBody: jsonBody({ type: 'object', required: ['name'], properties: { name } }),
  responses: { 200: jsonResponse('Gateway', gatewayRef), 403: forbidden, 404: notFound, ...commonErrors },
};

export const gatewaySchemas = { Gateway: gateway, ProvisionedGateway: provisioned };

export const gatewayPaths = {
  '/api/gateways/provision': {
    post: {
      tags: ['gateways'],
      security: bearer,
      summary: 'Provision a gateway; an unknown (or absent) home_id creates that home with you as owner',
      requestBody: jsonBody({
        type: 'object',
        properties: { name, home_id: { ...uuid, description: "The edge's own home id" } },
      }),
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
      summary: 'Get a single-use pairing code (8 characters) for a gateway to redeem',
      requestBody: jsonBody({
        type: 'object',
        properties: {
          home_id: { ...uuid, description: 'An existing home (owner, admin); absent: the redemption creates a home' },
          name: { ...name, description: "The gateway's name" },
          home_name: {
            type: 'string',
            maxLength: 100,
            description: 'The new home\'s name (not with home_id); blank or absent: "Home"',
          },
          expiry_minutes: {
            type: 'integer',
            minimum: 1,
            maximum: 1440,
            description: 'Default: PAIRING_CODE_TTL_S (10 minutes)',
          },
        },
      }),
      responses: {
        201: jsonResponse('Code issued', {
          type: 'object',
          properties: { code: { type: 'string' }, expires_at: dateTime, message: { type: 'string' } },
        }),
        403: forbidden,
        404: errorResponse('No such home (or not one of yours)'),
        ...commonErrors,
      },
    },
  },
  '/api/gateways/verify-pairing/{code}': {
    parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string', maxLength: 32 } }],
    get: {
      tags: ['gateways'],
      security: bearer,
      summary: 'Is this pairing code still redeemable? Never consumes it; reveals nothing else',
      description:
        'valid:false for unknown, used, expired and malformed codes alike (one message). Each valid:false counts ' +
        'against the per-address limit shared with failed redemptions (PAIRING_RATE_LIMIT per PAIRING_RATE_WINDOW_S).',
      responses: {
        200: jsonResponse('Validity', {
          type: 'object',
          properties: { valid: { type: 'boolean' }, message: { type: 'string' } },
        }),
        400: errorResponse('A code longer than 32 characters'),
        401: errorResponse('Missing or invalid access token'),
        429: errorResponse('Too many failed checks or redemptions from this address (Retry-After)'),
      },
    },
  },
  '/api/gateways/complete-pairing': {
    post: {
      tags: ['gateways'],
      summary: 'Called by the gateway, without a user token: redeem a pairing code and receive id and secret',
      requestBody: jsonBody({
        type: 'object',
        description: 'code or pairing_code (both only if equal)',
        properties: {
          code: { type: 'string', maxLength: 32 },
          pairing_code: { type: 'string', maxLength: 32, description: 'Alias of code (the field edge sends this)' },
          gateway_uuid: { ...uuid, description: "The gateway's own id: becomes its id here (must be unused)" },
          home_id: uuid,
          name,
          version: {
            type: 'string',
            maxLength: 50,
            description: "The gateway software's version (recorded; blank: none)",
          },
        },
      }),
      responses: {
        201: jsonResponse('Provisioned', { $ref: '#/components/schemas/ProvisionedGateway' }),
        400: errorResponse('Invalid body, or a wrong, used or expired code (details.reason)'),
        409: errorResponse(
          'The home already has an active gateway, or gateway_uuid is already used (gateway_id_taken)',
        ),
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
    get: {
      tags: ['gateways'],
      security: bearer,
      summary: 'A gateway (any member of its home)',
      responses: { 200: jsonResponse('Gateway', gatewayRef), 404: notFound, ...commonErrors },
    },
    patch: rename,
    put: { ...rename, summary: 'Rename (owner, admin); same as PATCH (the original accepted PUT)' },
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
