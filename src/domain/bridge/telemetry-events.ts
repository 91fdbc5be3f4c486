import { z } from 'zod';
import { definitionsOf, type EventDefinition, type EventOf } from '../event-catalogue.ts';

const id = z.string().uuid();
const json = z.record(z.string(), z.unknown());
/** A device state exactly as the edge sent it: an object on `/bridge/`, often a bare string (`"21.5"`) from the field edge. */
const deviceState = z.union([json, z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown())]);
const text = (max: number) => z.string().max(max);

/** One entity of a field edge's inventory (`devices_response`), kept as the edge described it. */
const inventoryEntity = z
  .object({
    /** The edge's entity id, a string (the edge's database id, e.g. `"12"`). */
    entity_id: z.string().min(1).max(256),
    name: text(256),
    entity_type: text(64),
    /** The edge's device (`device_name`): entities are grouped by it in the app's device list. */
    device_name: text(256),
    state: deviceState,
    unit: text(32).nullable().optional(),
    is_controllable: z.boolean().optional(),
    capabilities: z.unknown().optional(),
  })
  .strict();

/** Why a bridge session ended (the audit history's vocabulary). */
export const SESSION_CLOSE_REASONS = [
  'client_closed',
  'heartbeat_timeout',
  'revoked',
  'replaced',
  'protocol_error',
  'rate_limited',
  'frame_too_large',
  'server_shutdown',
  'server_restart',
  // Closed by another node: the node holding the session stopped renewing its lease (killed, or cut off).
  'node_lost',
  'refused_frames',
  'telemetry_budget_exceeded',
] as const;
export type SessionCloseReason = (typeof SESSION_CLOSE_REASONS)[number];

/**
 * Telemetry lives in `gateway_telemetry-<gateway id>`, apart from `gateway-<id>`, so loading the gateway
 * aggregate never replays it. Pings are not events.
 */
export const telemetryEventSchemas = {
  BridgeSessionOpened: z
    .object({
      session_id: id,
      gateway_id: id,
      home_id: id,
      node_id: z.string(),
      remote_address: z.string().nullable(),
      user_agent: z.string().nullable(),
      protocol_version: z.string(),
    })
    .strict(),
  BridgeSessionClosed: z
    .object({
      session_id: id,
      gateway_id: id,
      home_id: id,
      reason: z.enum(SESSION_CLOSE_REASONS),
      duration_s: z.number().min(0),
      frames_in: z.number().int().min(0),
      frames_out: z.number().int().min(0),
    })
    .strict(),
  DeviceStatesReported: z
    .object({
      session_id: id,
      gateway_id: id,
      home_id: id,
      request_id: z.string(),
      devices: z
        .array(
          z
            .object({
              device_id: z.string().min(1),
              state: deviceState,
              /**
               * When the device reached the state: the edge's `ts` when believable, else the time the cloud received
               * it (see device-report-time.ts).
               */
              reported_at: z.string().datetime(),
              /** Only when the edge's `ts` was not believed (`clock_skewed`): what it sent, Unix seconds. */
              device_ts: z.number().min(0).max(253_402_300_799).optional(),
              clock_skewed: z.literal(true).optional(),
              /**
               * The field edge's `timestamp` exactly as sent (`datetime.now().isoformat()`, the edge's local time):
               * kept as given, never read as UTC.
               */
              device_time_raw: z.string().max(64).optional(),
              /** The edge's time had no zone: it cannot order reports, so `reported_at` is the receive time. */
              device_time_without_zone: z.literal(true).optional(),
            })
            .strict(),
        )
        .min(1),
    })
    .strict(),
  HomeMetadataSynced: z
    .object({ session_id: id, gateway_id: id, home_id: id, request_id: z.string(), metadata: json })
    .strict(),
  /**
   * A field edge's whole device inventory (`devices_response` on `/ws/gateway/`), answering the cloud's
   * `get_devices`. Replaces the previous inventory of that gateway.
   */
  DeviceInventoryReported: z
    .object({
      session_id: id,
      gateway_id: id,
      home_id: id,
      request_id: z.string(),
      entities: z.array(inventoryEntity).max(10_000),
    })
    .strict(),
  /**
   * Someone asked for a field edge's inventory (`POST /api/homes/{home}/devices/sync`). The process holding the
   * gateway's socket follows this event and sends `get_devices` with `request_id`; the answer is a
   * `DeviceInventoryReported` with the same `request_id`.
   */
  DeviceInventoryRequested: z
    .object({ gateway_id: id, home_id: id, request_id: z.string().min(1).max(128), requested_by: id })
    .strict(),
};

export type TelemetryEvent = EventOf<typeof telemetryEventSchemas>;

export const telemetryStream = (gatewayId: string) => `gateway_telemetry-${gatewayId}`;

export const telemetryEventDefinitions: EventDefinition[] = definitionsOf(
  telemetryEventSchemas,
  'gateway bridge telemetry',
);
