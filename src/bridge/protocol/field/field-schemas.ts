import { z } from 'zod';
import { MAX_DEVICE_ID_LENGTH, MAX_REQUEST_ID_LENGTH } from '../limits.ts';

/**
 * Frames of the field dialect (`/ws/gateway/`), as the edge servers already in homes send them
 * (`core/cloud_client.py`): flat JSON objects with a `type`, no `payload` envelope, ISO timestamps in the edge's
 * local time without a zone. Unknown keys are dropped, not refused: the edge may add fields.
 */

/** Longest edge message kept (an `ack`/`error` message is often `str(exception)`): longer ones are cut, never refused. */
export const MAX_FIELD_MESSAGE_LENGTH = 1000;
/** Entities in one `devices_response` (the inventory event holds at most as many). */
export const MAX_FIELD_INVENTORY_ENTITIES = 10_000;
const MAX_WIRE_TIMESTAMP_LENGTH = 64;

const requestId = z.string().min(1).max(MAX_REQUEST_ID_LENGTH);
/** The edge's database ids: strings in `devices_response`, often integers in `state_update`. */
const entityId = z.union([z.string().min(1).max(MAX_DEVICE_ID_LENGTH), z.number().int().safe().transform(String)]);
/** A missing message, null or long text all become something storable. */
const message = z
  .string()
  .nullish()
  .transform((text) => (text ?? '').slice(0, MAX_FIELD_MESSAGE_LENGTH));
/** Present, any JSON value (the frame already passed the JSON bounds). `undefined` means the key was missing. */
const anyState = z.unknown().refine((value) => value !== undefined, { message: 'Required' });
const nullableText = (max: number) =>
  z
    .string()
    .max(max)
    .nullish()
    .transform((text) => text ?? '');

export const fieldPingSchema = z.object({
  type: z.literal('ping'),
  timestamp: z.union([z.string().max(MAX_WIRE_TIMESTAMP_LENGTH), z.number()]).nullish(),
});

export const fieldEntitySchema = z.object({
  id: entityId,
  name: nullableText(256),
  entity_type: nullableText(64),
  state: anyState,
  device_name: nullableText(256),
  unit: z.string().max(32).nullish(),
  is_controllable: z.boolean().optional(),
  capabilities: z.unknown().optional(),
});

export const fieldDevicesResponseSchema = z.object({
  type: z.literal('devices_response'),
  request_id: requestId,
  devices: z.array(fieldEntitySchema).max(MAX_FIELD_INVENTORY_ENTITIES),
});

export const fieldStateUpdateSchema = z.object({
  type: z.literal('state_update'),
  entity_id: entityId,
  state: anyState,
  /** `datetime.now().isoformat()`: the edge's local time, usually without a zone. */
  timestamp: z.string().max(MAX_WIRE_TIMESTAMP_LENGTH).nullish(),
});

export const fieldAckSchema = z.object({
  type: z.literal('ack'),
  request_id: requestId,
  status: z.string().max(32).default('success'),
  message,
});

export const fieldErrorSchema = z.object({
  type: z.literal('error'),
  request_id: requestId.nullish(),
  message,
});

export const fieldSyncRequestSchema = z.object({
  type: z.literal('sync_request'),
  request_id: requestId.nullish(),
});
