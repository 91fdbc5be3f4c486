import type { SessionCloseReason } from '../domain/bridge/telemetry-events.ts';

/**
 * WebSocket close codes the cloud uses. 4xxx are ours and mirror HTTP statuses: 4401 (credentials no longer good,
 * do not retry with them), 4400 (the session kept sending frames that were refused or could not be stored:
 * fix the edge), 4429 (the session stored more telemetry than its byte budget: reconnect later, send less).
 */
export const CLOSE_CODE: Record<SessionCloseReason, number> = {
  client_closed: 1000,
  server_shutdown: 1001,
  server_restart: 1012,
  // Sent only by a node that finds it was declared lost (its sessions are closed in the log already): reconnect.
  node_lost: 1012,
  protocol_error: 1008,
  rate_limited: 1008,
  frame_too_large: 1009,
  heartbeat_timeout: 4000,
  replaced: 4001,
  revoked: 4401,
  refused_frames: 4400,
  telemetry_budget_exceeded: 4429,
};

/**
 * A session that could not be opened because the event store is unavailable (its BridgeSessionOpened could not be
 * stored): the WebSocket "Try Again Later" code. Nothing was recorded; the gateway reconnects after its backoff.
 */
export const TRY_AGAIN_LATER = 1013;
