import type { z } from 'zod';
import type { AckErrorDetail, AckOutcome } from './frame-types.ts';
import type { CurrentAckFrameInput, LegacyAckFrameInput } from './ack-schemas.ts';
import type { wireErrorDetailSchema } from './common-schemas.ts';

/** Used when an edge reports failure without saying why; the ack must still carry a readable error. */
export const UNSPECIFIED_EDGE_ERROR: AckErrorDetail = {
  code: 'edge_error',
  message: 'The gateway reported an error without details',
};

export function normaliseErrorDetail(detail: z.output<typeof wireErrorDetailSchema> | undefined): AckErrorDetail {
  if (detail === undefined) return UNSPECIFIED_EDGE_ERROR;
  if (typeof detail === 'string') return { code: UNSPECIFIED_EDGE_ERROR.code, message: detail };
  return {
    code: detail.code ?? UNSPECIFIED_EDGE_ERROR.code,
    message: detail.message ?? UNSPECIFIED_EDGE_ERROR.message,
  };
}

export function outcomeOfCurrentAck(frame: CurrentAckFrameInput): AckOutcome {
  const { status, result, error } = frame.payload;
  if (status === 'error') return { status: 'error', error: normaliseErrorDetail(error) };
  return result === undefined ? { status: 'ok' } : { status: 'ok', result };
}

/**
 * Legacy acks put everything in `data`: on success it is the result; on error, older gateways wrote
 * `{error: "..."}`, `{message: "..."}` or `{code, message}`, so all three are read.
 */
export function outcomeOfLegacyAck(frame: LegacyAckFrameInput): AckOutcome {
  if (frame.status === 'success')
    return frame.data === undefined ? { status: 'ok' } : { status: 'ok', result: frame.data };
  return { status: 'error', error: errorDetailFromLegacyData(frame.data) };
}

function errorDetailFromLegacyData(data: unknown): AckErrorDetail {
  if (typeof data === 'string') return { code: UNSPECIFIED_EDGE_ERROR.code, message: data };
  if (typeof data !== 'object' || data === null) return UNSPECIFIED_EDGE_ERROR;
  const fields = data as { code?: unknown; message?: unknown; error?: unknown };
  const message =
    typeof fields.message === 'string' ? fields.message : typeof fields.error === 'string' ? fields.error : undefined;
  return {
    code: typeof fields.code === 'string' ? fields.code : UNSPECIFIED_EDGE_ERROR.code,
    message: message ?? UNSPECIFIED_EDGE_ERROR.message,
  };
}
