import { z } from 'zod';
import { requestIdSchema, wireErrorDetailSchema } from './common-schemas.ts';
import { wireTimestampSchema } from './timestamp.ts';

/**
 * Acks come in two dialects (either direction may carry them):
 * - current: `{type:'ack', request_id, timestamp, payload:{status:'ok'|'error', result?, error?}}`
 * - legacy:  `{type:'ack', request_id, timestamp, status:'success'|'error', data?}`
 * A frame with a top-level `status` is read as legacy (see ack-outcome.ts for the normalisation).
 */

export const currentAckFrameSchema = z.object({
  type: z.literal('ack'),
  request_id: requestIdSchema,
  timestamp: wireTimestampSchema,
  payload: z.object({
    status: z.enum(['ok', 'error']),
    result: z.unknown().optional(),
    error: wireErrorDetailSchema.optional(),
  }),
});

export const legacyAckFrameSchema = z.object({
  type: z.literal('ack'),
  request_id: requestIdSchema,
  timestamp: wireTimestampSchema,
  status: z.enum(['success', 'error']),
  data: z.unknown().optional(),
});

export type CurrentAckFrameInput = z.output<typeof currentAckFrameSchema>;
export type LegacyAckFrameInput = z.output<typeof legacyAckFrameSchema>;
