/**
 * Every code the cloud puts in an `error` frame (or an ack's error), split by what the gateway should do with the
 * frame it refers to. The split is on the wire too: an error frame's payload carries `retry: 'never' | 'later'`.
 *
 * - never: the same frame will be refused again, whenever and wherever it is sent (malformed, out of bounds,
 *   unstorable). The edge drops it; resending it after a reconnect would only be refused again.
 * - later: the frame is fine, the cloud could not take it now (store down, over a rate or byte budget). The edge
 *   keeps it and sends it again after a while.
 */
export const NEVER_RETRY_CODES = [
  'invalid_json',
  'invalid_frame',
  'unknown_type',
  'frame_too_large',
  'frame_out_of_bounds',
  'sync_too_large',
  'unstorable_frame',
  'unknown_request',
] as const;

export const RETRY_LATER_CODES = [
  'store_unavailable',
  'rate_limited',
  'telemetry_budget_exceeded',
  'internal_error',
] as const;

export type NeverRetryCode = (typeof NEVER_RETRY_CODES)[number];
export type RetryLaterCode = (typeof RETRY_LATER_CODES)[number];
export type CloudErrorCode = NeverRetryCode | RetryLaterCode;
export type ErrorRetry = 'never' | 'later';

const NEVER = new Set<string>(NEVER_RETRY_CODES);

/** Codes we do not know (a newer cloud) are read as `later`: resending costs a refusal, dropping loses data. */
export function retryOf(code: string): ErrorRetry {
  return NEVER.has(code) ? 'never' : 'later';
}
