import { z } from 'zod';
import { uuid } from '../path-params.ts';
import { component, error, id, isoTimeOrNull, json, uuidParams, type Operation } from '../openapi/operation.ts';
import { commandStatus, submissionErrors } from './remote-command-contract.ts';

/** An edge entity or scene id in a path: the app sends ints, the edge knows strings like "12". */
export const EDGE_ID = /^[A-Za-z0-9._:-]{1,200}$/;
const edgeId = z.string().regex(EDGE_ID);
export const controlRequest = z.object({
  command: z.string().trim().min(1).max(100),
  /** Any JSON value (the app sends "ON", 40, {r,g,b}…), bounded like a command's params. */
  value: z
    .unknown()
    .optional()
    .describe('Any JSON value; with its key at most 16 levels, 1,000 values, strings of 4,096 characters, 16 KiB'),
  command_id: uuid.optional(),
});
export const sceneRunRequest = z.object({ command_id: uuid.optional() });
const idempotencyHeaders = z.object({
  'Idempotency-Key': uuid.optional().describe('Same as command_id (both given must agree)'),
});

const gatewayStatus = z.enum(['pending', 'online', 'offline', 'revoked', 'stale']);
const remoteGatewaysResponse = component(
  'AppHomeGateways',
  z.array(
    z.object({
      home_id: id,
      role: z.enum(['owner', 'admin', 'user', 'viewer']),
      gateway_id: id.nullable(),
      status: z.union([gatewayStatus, z.literal('no_gateway')]),
    }),
  ),
);
const homeStatusResponse = component(
  'AppGatewayStatus',
  z.object({
    gateway_id: id.nullable(),
    status: z.enum(['online', 'stale', 'offline']),
    last_ping: isoTimeOrNull,
    connected_at: isoTimeOrNull,
  }),
);
const appEntity = z.object({
  id: z.union([z.number().int(), z.string()]).describe('The edge entity id: a number when it is a decimal ("12" → 12)'),
  name: z.string(),
  entity_type: z.string(),
  state: z.unknown(),
  unit: z.string().nullable(),
  is_controllable: z.boolean().describe('false when the edge did not say'),
  capabilities: z.unknown().describe('{} when the edge did not say'),
});
const deviceListResponse = component(
  'AppDeviceList',
  z.array(
    z.object({
      id: z.number().int().describe('Stable: the first 48 bits of sha256(gateway id, device name)'),
      name: z.string(),
      node_name: z.string(),
      is_online: z.boolean().describe('The gateway is online'),
      entities: z.array(appEntity),
    }),
  ),
);
const controlResponse = component(
  'AppCommandAnswer',
  z.object({
    command_id: id,
    status: commandStatus,
    message: z.string().optional().describe("The edge's message (its ack's, or the failure's)"),
  }),
);
const controlFailure = component(
  'AppCommandFailure',
  controlResponse.extend({
    error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) }),
  }),
);
export type RemoteGatewaysResponse = z.infer<typeof remoteGatewaysResponse>;
export type HomeStatusResponse = z.infer<typeof homeStatusResponse>;
export type AppDeviceListResponse = z.infer<typeof deviceListResponse>;

const tags = ['mobile app'];
const homeNotFound = error('home_not_found: no such home, or not one of yours');
const location = { Location: '/api/commands/{id}/ (the whole command and its history)' };
const controlResponses = {
  200: json('The edge acknowledged success', controlResponse, location),
  202: json('On its way (queued for a reconnect under the same id)', controlResponse, location),
  400: error(
    'validation_error, invalid_id (not 1 to 200 letters, digits or . _ : -), invalid_idempotency_key, or ' +
      'idempotency_key_mismatch',
  ),
  404: homeNotFound,
  ...submissionErrors,
  409: error('gateway_offline (no active or connected gateway), command_id_conflict, or concurrent_update'),
  502: json('command_failed or command_expired: the edge refused or the command expired', controlFailure, location),
  504: json('command_timed_out: no ack within 10 s', controlFailure, location),
};

export const appOperations: readonly Operation[] = [
  {
    method: 'get',
    path: '/api/remote/gateways',
    operationId: 'listAppHomeGateways',
    summary: 'Your homes and their gateway status, homes with a gateway first (the app takes the first in cloud mode)',
    tags,
    auth: 'user',
    responses: { 200: json('Homes', remoteGatewaysResponse) },
  },
  {
    method: 'get',
    path: '/api/remote/homes/{home_id}/status',
    operationId: 'getAppGatewayStatus',
    summary: "A home's active gateway status (offline when it has none)",
    tags,
    auth: 'user',
    params: uuidParams('home_id'),
    responses: { 200: json('Its status', homeStatusResponse), 404: homeNotFound },
  },
  {
    method: 'get',
    path: '/api/homes/{home_id}/devices',
    operationId: 'listAppDevices',
    summary: "A home's devices and their entities, grouped by the edge's device_name",
    tags,
    auth: 'user',
    params: uuidParams('home_id'),
    responses: { 200: json('Devices', deviceListResponse), 404: homeNotFound },
  },
  {
    method: 'post',
    path: '/api/remote/homes/{home_id}/entities/{entity_id}/control',
    operationId: 'controlAppEntity',
    summary:
      "Control an entity: a remote command (device_id = entity id, action = command, params {value}) on the home's active gateway",
    tags,
    auth: 'user',
    params: z.object({ home_id: uuid, entity_id: edgeId }),
    headers: idempotencyHeaders,
    body: controlRequest,
    responses: controlResponses,
  },
  {
    method: 'post',
    path: '/api/remote/homes/{home_id}/scenes/{scene_id}/run',
    operationId: 'runAppScene',
    summary: 'Run a scene: a remote command (device_id scene:<scene_id>, action run_scene); no body needed',
    tags,
    auth: 'user',
    params: z.object({ home_id: uuid, scene_id: edgeId }),
    headers: idempotencyHeaders,
    body: sceneRunRequest,
    bodyOptional: true,
    responses: controlResponses,
  },
  {
    method: 'get',
    path: '/ws/home/{id}',
    operationId: 'openAppSocket',
    summary: "The app's live socket (WebSocket upgrade): entity_state and device_status pushes for one home",
    description:
      "Server → app: `entity_state {entity_id, state, device_id?, is_online}` for every state report of the home's " +
      'active gateway (ids as in the device list), `device_status {device_id, is_online}` per inventory device when ' +
      'the gateway session opens or closes (whichever node holds it). App → server: `ping` → `pong`; any other type ' +
      '→ `error {request_id?, message}`; frames of at most 4 KiB, 20 per second. Close codes: 4401 token expired or ' +
      'sign-in ended, 4403 access revoked, 4404 a numeric id that does not resolve, 4429 too many frames or not ' +
      'reading, 1009 frame too large.',
    tags,
    auth: 'none',
    upgrade: true,
    params: z.object({
      id: z.string().describe("The cloud home id (UUID), or a numeric id: the caller's only home with a gateway"),
    }),
    query: z.object({ token: z.string().optional().describe('An access token (or Authorization: Bearer)') }),
    responses: {
      101: { description: 'Switching protocols' },
      400: { description: 'The id is neither a UUID nor a number' },
      401: { description: 'Missing or invalid access token' },
      403: { description: 'Your role may not read devices' },
      404: { description: 'Not one of your homes' },
      429: { description: 'APP_SOCKETS_PER_USER sockets already open on this node' },
    },
  },
];
