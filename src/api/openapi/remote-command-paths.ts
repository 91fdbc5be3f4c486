import { commonErrors, errorResponse, jsonBody, jsonResponse } from './components.ts';

const bearer = [{ bearer: [] }];
const uuid = { type: 'string', format: 'uuid' };
const dateTime = { type: ['string', 'null'], format: 'date-time' };
const status = { type: 'string', enum: ['issued', 'dispatched', 'succeeded', 'failed', 'timed_out', 'expired'] };
const commandRef = { $ref: '#/components/schemas/RemoteCommand' };
const location = { Location: { description: '/api/commands/{id}/', schema: { type: 'string' } } };

const remoteCommand = {
  type: 'object',
  properties: {
    id: uuid,
    gateway_id: uuid,
    home_id: uuid,
    device_id: { type: 'string' },
    action: { type: 'string' },
    params: { type: 'object' },
    status,
    result: { description: 'What the edge answered (succeeded only)' },
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      description: 'failed only',
    },
    issued_by: uuid,
    issued_at: dateTime,
    dispatched_at: dateTime,
    completed_at: dateTime,
    expires_at: dateTime,
    timeout_s: { type: 'integer' },
    ttl_s: { type: 'integer' },
    attempts: { type: 'integer', description: 'How many times it was sent (again after a reconnect)' },
    client_command_id: {
      ...uuid,
      description: "The command_id the caller sent (POST answers only); `id` is the command's own id",
    },
  },
};

const request = {
  type: 'object',
  required: ['device_id', 'action'],
  properties: {
    device_id: { type: 'string', minLength: 1, maxLength: 200 },
    action: { type: 'string', minLength: 1, maxLength: 100 },
    params: {
      type: 'object',
      default: {},
      description: 'JSON object: at most 16 levels deep, 1,000 values, strings of 4,096 characters, 16 KiB',
    },
    command_id: {
      ...uuid,
      description:
        'Idempotency key, scoped to the caller: the same id and body from the same user answer the same command, sent once; ' +
        'another body → 409. Ids chosen by other users never conflict. GET /api/commands/{command_id}/ finds it too.',
    },
    wait: { type: 'boolean', default: true, description: 'Hold the request until the edge acks (or timeout_s passes)' },
    timeout_s: { type: 'integer', minimum: 1, maximum: 60, default: 10 },
    ttl_s: {
      type: 'integer',
      minimum: 0,
      maximum: 172_800,
      default: 0,
      description: '> 0: queue it while the gateway is offline, for this long',
    },
  },
};

export const remoteCommandSchemas = { RemoteCommand: remoteCommand };

export const remoteCommandPaths = {
  '/api/gateways/{id}/commands/': {
    post: {
      tags: ['remote control'],
      security: bearer,
      summary: 'Send a command to a device through the gateway (owner, admin, user)',
      parameters: [{ name: 'id', in: 'path', required: true, schema: uuid }],
      requestBody: jsonBody(request),
      responses: {
        200: jsonResponse('The edge acknowledged: status succeeded or failed', commandRef),
        202: {
          ...jsonResponse('Queued (offline gateway, ttl_s > 0) or accepted (wait: false)', commandRef),
          headers: location,
        },
        403: errorResponse('Your role (viewer) may not control devices'),
        404: errorResponse('No such gateway, or not one of your homes'),
        409: errorResponse(
          'gateway_offline (and ttl_s = 0), gateway_revoked, or command_id_conflict (same id, another body)',
        ),
        429: errorResponse('command_queue_full: too many commands already wait for this offline gateway'),
        504: jsonResponse(
          'No ack within timeout_s: the command (status timed_out) and an error; a late ack is still recorded',
          commandRef,
        ),
        ...commonErrors,
      },
    },
    get: {
      tags: ['remote control'],
      security: bearer,
      summary: "The gateway's recent commands, newest first (any member)",
      parameters: [
        { name: 'id', in: 'path', required: true, schema: uuid },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
      ],
      responses: {
        200: jsonResponse('A page', {
          type: 'object',
          properties: {
            items: { type: 'array', items: commandRef },
            total: { type: 'integer' },
            limit: { type: 'integer' },
            offset: { type: 'integer' },
          },
        }),
        404: errorResponse('No such gateway, or not one of your homes'),
        ...commonErrors,
      },
    },
  },
  '/api/commands/{id}/': {
    get: {
      tags: ['remote control'],
      security: bearer,
      summary: 'A command, its status and its history (the events of its stream); any member of its home',
      parameters: [{ name: 'id', in: 'path', required: true, schema: uuid }],
      responses: {
        200: jsonResponse('The command', {
          allOf: [
            commandRef,
            {
              type: 'object',
              properties: {
                late_acks: { type: 'integer' },
                history: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      type: { type: 'string' },
                      revision: { type: 'integer' },
                      recorded_at: dateTime,
                      actor: { type: 'object' },
                      data: { type: 'object' },
                    },
                  },
                },
              },
            },
          ],
        }),
        404: errorResponse('No such command, or not one of your homes'),
        ...commonErrors,
      },
    },
  },
};
