import type { RemoteCommandState } from '../../domain/remote-control/remote-command-state.ts';
import type { CommandHistoryEntry } from '../../commands/remote-control/find-remote-command.ts';
import type { RemoteCommandRow } from '../../projections/queries/remote-command-queries.ts';
import { isoOrNull } from '../path-params.ts';

/** The public shape of a remote command, from its decider state (answers to POST and GET by id). */
export function commandStateBody(state: RemoteCommandState) {
  return {
    id: state.commandId,
    gateway_id: state.gatewayId,
    home_id: state.homeId,
    device_id: state.deviceId,
    action: state.action,
    params: state.params,
    status: state.status,
    ...(state.status === 'succeeded' ? { result: state.result ?? null } : {}),
    ...(state.status === 'failed' ? { error: state.error } : {}),
    issued_by: state.issuedBy,
    issued_at: state.issuedAt,
    dispatched_at: state.dispatchedAt,
    completed_at: state.completedAt,
    expires_at: state.expiresAt,
    timeout_s: state.timeoutS,
    ttl_s: state.ttlS,
    attempts: state.attempts,
  };
}

/** The same shape from the read model (lists). */
export function commandRowBody(row: RemoteCommandRow) {
  return {
    id: row.id,
    gateway_id: row.gateway_id,
    home_id: row.home_id,
    device_id: row.device_id,
    action: row.action,
    params: row.params,
    status: row.status,
    ...(row.status === 'succeeded' ? { result: row.result ?? null } : {}),
    ...(row.status === 'failed' ? { error: row.error } : {}),
    issued_by: row.issued_by,
    issued_at: isoOrNull(row.issued_at),
    dispatched_at: isoOrNull(row.dispatched_at),
    completed_at: isoOrNull(row.completed_at),
    expires_at: isoOrNull(row.expires_at),
    timeout_s: row.timeout_s,
    ttl_s: row.ttl_s,
    attempts: row.attempts,
  };
}

/** One entry of a command's history: an event as auditors see it (the request fingerprint left out). */
export function historyEntry(event: CommandHistoryEntry) {
  const { fingerprint: _fingerprint, ...data } = event.data;
  return {
    type: event.type,
    revision: event.revision,
    recorded_at: event.recordedAt.toISOString(),
    actor: event.metadata['actor'] ?? null,
    data,
  };
}
