import { commonErrors, errorResponse, jsonBody, jsonResponse } from './components.ts';

const bearer = [{ bearer: [] }];
const uuid = { type: 'string', format: 'uuid' };
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' };
const homeParam = {
  name: 'home_id',
  in: 'path',
  required: true,
  schema: uuid,
  description: 'The cloud home id (home_id of GET /api/remote/gateways)',
};
const edgeId = { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,200}$' };
const location = {
  Location: { description: '/api/commands/{id}/ (the whole command and its history)', schema: { type: 'string' } },
};
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  schema: uuid,
  description:
    'Optional, as command_id in the body (both given must agree): a retry answers the same command, sent once',
};

const appCommandAnswer = {
  type: 'object',
  required: ['command_id', 'status'],
  properties: {
    command_id: uuid,
    status: { type: 'string', enum: ['issued', 'dispatched', 'succeeded', 'failed', 'timed_out', 'expired'] },
    message: { type: 'string', description: "The edge's message (its ack's `message`, or the failure's)" },
    error: { $ref: '#/components/schemas/Error/properties/error', description: '502/504 only' },
  },
};

const commandResponses = {
  200: jsonResponse('The edge acknowledged success', { $ref: '#/components/schemas/AppCommandAnswer' }),
  202: {
    ...jsonResponse('Still on its way (a retry under the same id of a command not finished yet)', {
      $ref: '#/components/schemas/AppCommandAnswer',
    }),
    headers: location,
  },
  403: errorResponse('Your role (viewer) may not control devices'),
  404: errorResponse('home_not_found: no such home, or not one of yours'),
  409: errorResponse(
    'gateway_offline: the home has no active gateway or it is not connected; gateway_revoked; command_id_conflict',
  ),
  502: jsonResponse(
    'command_failed: the edge answered an error (its message in `message` and `error.message`). Never 2xx: the app treats 2xx as success',
    {
      $ref: '#/components/schemas/AppCommandAnswer',
    },
  ),
  504: jsonResponse(
    'command_timed_out: no ack within 10 s (the command is timed out; a late ack is recorded, never applied)',
    {
      $ref: '#/components/schemas/AppCommandAnswer',
    },
  ),
  ...commonErrors,
};

const appEntity = {
  type: 'object',
  properties: {
    id: {
      type: ['integer', 'string'],
      description: 'The edge\'s entity id: a number when it is a decimal ("12" → 12), else its string',
    },
    name: { type: 'string' },
    entity_type: { type: 'string' },
    state: {
      description:
        'Exactly as the edge sent it (a string "21.5" stays a string); a newer state report wins over the inventory',
    },
    unit: { type: ['string', 'null'] },
    is_controllable: { type: 'boolean', description: 'false when the edge did not say' },
    capabilities: { description: '{} when the edge did not say' },
  },
};

const appDevice = {
  type: 'object',
  properties: {
    id: { type: 'integer', description: 'Stable: the first 48 bits of sha256(gateway id, device name)' },
    name: { type: 'string', description: "The edge's device_name" },
    node_name: { type: 'string', description: "The edge's device_name" },
    is_online: { type: 'boolean', description: 'The gateway is online' },
    entities: { type: 'array', items: { $ref: '#/components/schemas/AppEntity' } },
  },
};

export const fieldAppSchemas = { AppCommandAnswer: appCommandAnswer, AppEntity: appEntity, AppDevice: appDevice };

/** The mobile app's calls (the Django original's paths), all behind a Bearer token. */
export const fieldAppPaths = {
  '/api/remote/gateways': {
    get: {
      tags: ['mobile app'],
      security: bearer,
      summary: "The caller's homes with their active gateway and its status; homes with a gateway first",
      responses: {
        200: jsonResponse('One entry per home', {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              home_id: uuid,
              role: { type: 'string', enum: ['owner', 'admin', 'user', 'viewer'] },
              gateway_id: { type: ['string', 'null'], format: 'uuid' },
              status: { type: 'string', enum: ['pending', 'online', 'offline', 'stale', 'revoked', 'no_gateway'] },
            },
          },
        }),
        ...commonErrors,
      },
    },
  },
  '/api/remote/homes/{home_id}/status': {
    get: {
      tags: ['mobile app'],
      security: bearer,
      summary: "The home's gateway connection (any member)",
      description:
        'stale: a session is recorded open, but this node does not hold it and nothing from the gateway was recorded for longer than ' +
        'HEARTBEAT_TIMEOUT_S (pings are not recorded). A home without an active gateway answers offline with gateway_id null.',
      parameters: [homeParam],
      responses: {
        200: jsonResponse('Status', {
          type: 'object',
          properties: {
            gateway_id: { type: ['string', 'null'], format: 'uuid' },
            status: { type: 'string', enum: ['online', 'offline', 'stale'] },
            last_ping: { ...nullableDateTime, description: 'The last activity recorded from the gateway' },
            connected_at: { ...nullableDateTime, description: 'Start of the open session (null when offline)' },
          },
        }),
        404: errorResponse('home_not_found'),
        ...commonErrors,
      },
    },
  },
  '/api/homes/{home_id}/devices/': {
    get: {
      tags: ['mobile app'],
      security: bearer,
      summary: "The home's devices from its gateway's latest inventory, with the latest states (any member)",
      parameters: [homeParam],
      responses: {
        200: jsonResponse("Devices (entities grouped by the edge's device_name, in the edge's order)", {
          type: 'array',
          items: { $ref: '#/components/schemas/AppDevice' },
        }),
        404: errorResponse('home_not_found'),
        ...commonErrors,
      },
    },
  },
  '/api/remote/homes/{home_id}/entities/{entity_id}/control': {
    post: {
      tags: ['mobile app'],
      security: bearer,
      summary:
        "Control an entity: a remote command (device_id = entity_id, action = command, params {value}) on the home's active gateway (owner, admin, user)",
      parameters: [homeParam, { name: 'entity_id', in: 'path', required: true, schema: edgeId }, idempotencyKey],
      requestBody: jsonBody({
        type: 'object',
        required: ['command'],
        properties: {
          command: { type: 'string', minLength: 1, maxLength: 100 },
          value: {
            description:
              'Any JSON value; with its key at most 16 levels, 1,000 values, strings of 4,096 characters, 16 KiB',
          },
          command_id: uuid,
        },
      }),
      responses: commandResponses,
    },
  },
  '/ws/home/{id}/': {
    get: {
      tags: ['mobile app'],
      summary: "The app's live socket (WebSocket upgrade): entity_state and device_status pushes for one home",
      description:
        "Server → app: `entity_state {entity_id, state, device_id?, is_online}` for every state report of the home's active gateway " +
        "(ids as in the device list), `device_status {device_id, is_online}` per inventory device when the gateway's session opens or " +
        'closes (whichever node holds it). App → server: `ping` → `pong`; any other type → `error {request_id?, message}`; frames of ' +
        'at most 4 KiB, 20 per second. Close codes: 4401 token expired or sign-in ended (logout, reuse detected, password change), ' +
        '4403 access revoked, 4404 a numeric id that does not resolve (use the cloud home id), 4429 too many frames or not reading, 1009 frame too large.',
      parameters: [
        {
          name: 'id',
          in: 'path',
          required: true,
          schema: { type: 'string' },
          description: "The cloud home id (UUID), or a numeric id: the caller's only home with a gateway",
        },
        {
          name: 'token',
          in: 'query',
          required: true,
          schema: { type: 'string' },
          description: 'An access token (or Authorization: Bearer)',
        },
      ],
      responses: {
        101: { description: 'Switching protocols' },
        400: { description: 'The id is neither a UUID nor a number' },
        401: { description: 'Missing or invalid access token' },
        403: { description: 'Your role may not read devices' },
        404: { description: 'Not one of your homes' },
        429: { description: 'APP_SOCKETS_PER_USER sockets already open on this node' },
      },
    },
  },
  '/api/remote/homes/{home_id}/scenes/{scene_id}/run': {
    post: {
      tags: ['mobile app'],
      security: bearer,
      summary:
        "Run a scene: a remote command (device_id scene:<scene_id>, action run_scene, params {}) on the home's active gateway; no body needed",
      parameters: [homeParam, { name: 'scene_id', in: 'path', required: true, schema: edgeId }, idempotencyKey],
      responses: commandResponses,
    },
  },
};
