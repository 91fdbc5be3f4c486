import { z } from 'zod';
import { deviceIdSchema, jsonObjectSchema, requestIdSchema } from './common-schemas.ts';
import { retryOf } from './error-codes.ts';
import { MAX_HEARTBEAT_INTERVAL_S } from './limits.ts';
import { unixSecondsSchema, wireTimestampSchema } from './timestamp.ts';

/**
 * Schemas of every cloud → edge frame, used by the edge client. Acks live in ack-schemas.ts. The parser is
 * as lenient about dialects as the cloud is: a command may name its device `device_id` or `entity_id`.
 */

export const welcomeFrameSchema = z.object({
  type: z.literal('welcome'),
  request_id: requestIdSchema.optional(),
  timestamp: wireTimestampSchema,
  payload: z.object({
    session_id: z.string().min(1),
    heartbeat_interval_s: z.number().positive().max(MAX_HEARTBEAT_INTERVAL_S),
    server_time: unixSecondsSchema,
  }),
});

export const pongFrameSchema = z.object({
  type: z.literal('pong'),
  request_id: requestIdSchema.optional(),
  timestamp: wireTimestampSchema,
});

export const errorFrameSchema = z.object({
  type: z.literal('error'),
  request_id: requestIdSchema.optional(),
  timestamp: wireTimestampSchema,
  /** `retry` is absent from older clouds' frames: it then follows from the code. */
  payload: z
    .object({ code: z.string().min(1), message: z.string(), retry: z.enum(['never', 'later']).optional() })
    .transform(({ code, message, retry }) => ({ code, message, retry: retry ?? retryOf(code) })),
});

export const commandFrameSchema = z.object({
  type: z.literal('command'),
  request_id: requestIdSchema,
  timestamp: wireTimestampSchema,
  payload: z
    .object({
      device_id: deviceIdSchema.optional(),
      entity_id: deviceIdSchema.optional(),
      action: z.string().min(1),
      params: jsonObjectSchema.optional(),
      value: jsonObjectSchema.optional(),
    })
    .refine((payload) => payload.device_id !== undefined || payload.entity_id !== undefined, {
      message: 'A command names its device in device_id (or entity_id)',
      path: ['device_id'],
    }),
});
