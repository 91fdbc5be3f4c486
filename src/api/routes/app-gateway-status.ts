import type { GatewayRow } from '../../projections/queries/gateway-queries.ts';

/**
 * A gateway's status as the app's calls answer it. The lifecycle and presence statuses of `GatewayQueries`
 * (pending, online, offline, revoked), plus `stale`: a session is recorded open, but this process does not hold
 * its socket and nothing from the gateway has been recorded (session opened, state report, metadata sync) for longer
 * than the heartbeat timeout. Pings are not events, so a quiet gateway held by another process can show stale
 * although its socket is alive; one whose holder died without closing its session shows stale until that node
 * restarts and closes it.
 */
export type AppGatewayStatus = GatewayRow['status'] | 'stale';

export function appGatewayStatus(
  gateway: Pick<GatewayRow, 'status' | 'last_seen'>,
  heldHere: boolean,
  heartbeatTimeoutS: number,
  now = Date.now(),
): AppGatewayStatus {
  if (gateway.status === 'revoked') return 'revoked';
  // This process's socket is alive by its own heartbeat check, whatever the read model has caught up with.
  if (heldHere) return 'online';
  if (gateway.status !== 'online') return gateway.status;
  const lastSeen = gateway.last_seen === null ? null : new Date(gateway.last_seen).getTime();
  return lastSeen !== null && now - lastSeen > heartbeatTimeoutS * 1000 ? 'stale' : 'online';
}
