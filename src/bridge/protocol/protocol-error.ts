import type { NeverRetryCode } from './error-codes.ts';

/**
 * Why a frame was refused by the parser. The bridge answers with an `error` frame carrying `code` and `message`;
 * the codes are stable strings gateways may switch on, and every one of them means "never retry this frame"
 * (error-codes.ts).
 */
export type ProtocolErrorCode = Extract<
  NeverRetryCode,
  'invalid_json' | 'invalid_frame' | 'unknown_type' | 'frame_too_large' | 'frame_out_of_bounds'
>;

/** One schema violation, flattened from zod so callers do not depend on zod's issue types. */
export interface ProtocolIssue {
  path: Array<string | number>;
  code: string;
  message: string;
}

export interface ProtocolError {
  code: ProtocolErrorCode;
  message: string;
  /** The offending frame's request_id when one could be read, so the error can be correlated. */
  request_id: string | null;
  /** Present for `invalid_frame`: what exactly did not match. */
  issues?: ProtocolIssue[];
}

export type ParseResult<Frame> = { ok: true; frame: Frame } | { ok: false; error: ProtocolError };
