import { z } from 'zod';
import { deviceIdSchema, jsonObjectSchema, requestIdSchema } from './common-schemas.ts';
import { wireTimestampSchema } from './timestamp.ts';

/**
 * Schemas of every edge → cloud frame, in both dialects. Acks live in ack-schemas.ts because the cloud
 * sends them too. Unknown top-level fields are dropped, not refused: gateways add debugging fields.
 */

export const pingFrameSchema = z.object({
  type: z.literal('ping'),
  request_id: requestIdSchema.optional(),
  timestamp: wireTimestampSchema,
});

const deviceStateReportSchema = z.object({
  device_id: deviceIdSchema,
  state: jsonObjectSchema,
  ts: wireTimestampSchema,
});

/** `payload: {device_id, state, ts?}` — one device. */
export const singleDeviceStateFrameSchema = z.object({
  type: z.literal('state'),
  request_id: requestIdSchema,
  timestamp: wireTimestampSchema,
  payload: deviceStateReportSchema,
});

/** `payload: {devices: [{device_id, state, ts?}, …]}` — a batch; the frame-size limit bounds its length. */
export const batchStateFrameSchema = z.object({
  type: z.literal('state'),
  request_id: requestIdSchema,
  timestamp: wireTimestampSchema,
  payload: z.object({ devices: z.array(deviceStateReportSchema).min(1) }),
});

export const syncFrameSchema = z.object({
  type: z.literal('sync'),
  request_id: requestIdSchema,
  timestamp: wireTimestampSchema,
  payload: jsonObjectSchema,
});
