import { z } from 'zod';
import { pageQuery } from '../pagination.ts';
import { component, error, id, isoTimeOrNull, json, uuidParams, type Operation } from '../openapi/operation.ts';

const sessionPageResponse = component(
  'BridgeSessionPage',
  z.object({
    items: z.array(
      z.object({
        session_id: z.string(),
        started_at: isoTimeOrNull,
        ended_at: isoTimeOrNull,
        close_reason: z
          .string()
          .nullable()
          .describe('Why it closed (e.g. node_lost, revoked, superseded); null while open'),
        remote_address: z.string().nullable(),
        frames_in: z.number().int(),
        frames_out: z.number().int(),
      }),
    ),
    total: z.number().int().describe('How many there are in all'),
    limit: z.number().int(),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
  }),
);
const deviceStatesResponse = component(
  'GatewayDeviceStates',
  z.object({
    online: z.boolean(),
    as_of: isoTimeOrNull.describe('When the gateway was last seen (or the newest report)'),
    stale: z.boolean().describe('True while the gateway is not online: the states are the last ones reported'),
    devices: z.array(z.object({ device_id: z.string(), state: z.unknown(), reported_at: isoTimeOrNull })),
  }),
);
const homeMetadataResponse = component(
  'HomeMetadata',
  z.object({ home_id: id, gateway_id: id, metadata: z.unknown(), synced_at: isoTimeOrNull }),
);
export type SessionPageResponse = z.infer<typeof sessionPageResponse>;
export type DeviceStatesResponse = z.infer<typeof deviceStatesResponse>;
export type HomeMetadataResponse = z.infer<typeof homeMetadataResponse>;

const tags = ['telemetry'];
const gatewayNotFound = error('gateway_not_found: no such gateway, or not in one of your homes');

export const telemetryOperations: readonly Operation[] = [
  {
    method: 'get',
    path: '/api/gateways/{id}/sessions',
    operationId: 'listGatewaySessions',
    summary: "A gateway's bridge sessions, newest first",
    tags,
    auth: 'user',
    params: uuidParams('id'),
    query: pageQuery,
    responses: {
      200: json('A page of sessions', sessionPageResponse),
      400: error('validation_error (details.issues; offset is not supported), or invalid_cursor'),
      404: gatewayNotFound,
    },
  },
  {
    method: 'get',
    path: '/api/gateways/{id}/state',
    operationId: 'getGatewayDeviceStates',
    summary: "A gateway's last reported device states (served while it is offline, marked stale)",
    tags,
    auth: 'user',
    params: uuidParams('id'),
    responses: { 200: json('Device states', deviceStatesResponse), 404: gatewayNotFound },
  },
  {
    method: 'get',
    path: '/api/homes/{home_id}/metadata',
    operationId: 'getHomeMetadata',
    summary: "The home's latest metadata snapshot synced by its gateway",
    tags,
    auth: 'user',
    params: uuidParams('home_id'),
    responses: {
      200: json('The snapshot', homeMetadataResponse),
      404: error('home_not_found (not one of yours), or metadata_not_found (no gateway has synced metadata yet)'),
    },
  },
];
