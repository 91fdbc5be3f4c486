import type { SessionCloseReason } from '../domain/bridge/telemetry-events.ts';

/**
 * WebSocket close codes the cloud uses. 4xxx are ours (4401 mirrors HTTP 401: the credentials are no longer
 * good, do not retry with them).
 */
export const CLOSE_CODE: Record<SessionCloseReason, number> = {
  client_closed: 1000,
  server_shutdown: 1001,
  server_restart: 1012,
  protocol_error: 1008,
  rate_limited: 1008,
  frame_too_large: 1009,
  heartbeat_timeout: 4000,
  replaced: 4001,
  revoked: 4401,
};
