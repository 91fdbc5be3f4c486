import type { Decider } from '../decider.ts';
import { conflict, notFound } from '../errors.ts';
import { requirePermission, type Role } from '../homes/roles.ts';
import type { RemoteCommandEvent } from './remote-command-events.ts';
import { isFinal, type RemoteCommandState } from './remote-command-state.ts';

export {
  FINAL_STATUSES,
  isFinal,
  type FinalStatus,
  type RemoteCommandState,
  type RemoteCommandStatus,
} from './remote-command-state.ts';

export interface IssueCommand {
  type: 'Issue';
  commandId: string;
  gatewayId: string;
  homeId: string;
  deviceId: string;
  action: string;
  params: Record<string, unknown>;
  issuedBy: string;
  /** The issuer's role in the gateway's home, read from the home stream just before (null: a stranger). */
  actorRole: Role | null;
  timeoutS: number;
  ttlS: number;
  fingerprint: string;
  now: Date;
}

/**
 * Issue, and dispatch at once on a session of the gateway that the issuing process holds: both decisions in one
 * append (the stream's first, which is also the dispatch lock). Nothing when the command was already issued.
 */
export interface IssueAndDispatchCommand extends Omit<IssueCommand, 'type'> {
  type: 'IssueAndDispatch';
  sessionId: string;
  nodeId: string;
  /** When the session sends it (the session's clock), as `now` is when it was issued. */
  dispatchedAt: Date;
}

export type AckOutcome =
  { status: 'ok'; result?: unknown } | { status: 'error'; error: { code: string; message: string } };

export type RemoteCommandCommand =
  | IssueCommand
  | IssueAndDispatchCommand
  /** Sent (or about to be) on a gateway session. Expired instead when its time to live is over. */
  | { type: 'Dispatch'; sessionId: string; nodeId: string; now: Date }
  /** The gateway's ack; `gatewayId` is the gateway whose session carried it. */
  | { type: 'Acknowledge'; gatewayId: string; outcome: AckOutcome; now: Date }
  /** The waiting request gave up. */
  | { type: 'TimeOut'; now: Date }
  /** The periodic sweep: expires queued commands past their time to live, times out dispatched ones past their deadline. */
  | { type: 'Sweep'; now: Date }
  /**
   * Its home was deleted: a queued command (time to live) expires now, one that someone waits for or that was
   * sent times out now. A finished command is left alone.
   */
  | { type: 'Withdraw'; now: Date };

export const commandNotFound = () => notFound('command_not_found', 'No such command');

const addSeconds = (iso: string, seconds: number) => new Date(new Date(iso).getTime() + seconds * 1000);

/**
 * When an unfinished command is due: a queued one (never dispatched, with a time to live) at its expiry; a
 * dispatched one (or one issued to an online gateway and never sent) `timeout_s` after it was last sent or issued.
 */
export function deadlineOf(state: RemoteCommandState): Date | null {
  if (state.status === 'dispatched' && state.dispatchedAt) return addSeconds(state.dispatchedAt, state.timeoutS);
  if (state.status === 'issued' && state.issuedAt) {
    return state.expiresAt ? new Date(state.expiresAt) : addSeconds(state.issuedAt, state.timeoutS);
  }
  return null;
}

function ids(state: RemoteCommandState) {
  return { command_id: state.commandId!, gateway_id: state.gatewayId!, home_id: state.homeId! };
}

export const remoteCommandDecider: Decider<RemoteCommandCommand, RemoteCommandEvent, RemoteCommandState> = {
  initialState: {
    status: 'none',
    commandId: null,
    gatewayId: null,
    homeId: null,
    deviceId: null,
    action: null,
    params: {},
    issuedBy: null,
    issuedAt: null,
    timeoutS: 10,
    ttlS: 0,
    expiresAt: null,
    fingerprint: null,
    sessionId: null,
    dispatchedAt: null,
    attempts: 0,
    completedAt: null,
    result: undefined,
    error: null,
    lateAcks: 0,
  },

  evolve(state, event) {
    switch (event.type) {
      case 'RemoteCommandIssued': {
        const d = event.data;
        return {
          ...state,
          status: 'issued',
          commandId: d.command_id,
          gatewayId: d.gateway_id,
          homeId: d.home_id,
          deviceId: d.device_id,
          action: d.action,
          params: d.params,
          issuedBy: d.issued_by,
          issuedAt: d.issued_at,
          timeoutS: d.timeout_s,
          ttlS: d.ttl_s,
          expiresAt: d.expires_at,
          fingerprint: d.fingerprint,
        };
      }
      case 'RemoteCommandDispatched':
        return {
          ...state,
          status: 'dispatched',
          sessionId: event.data.session_id,
          dispatchedAt: event.data.dispatched_at,
          attempts: event.data.attempt,
        };
      case 'RemoteCommandSucceeded':
        return { ...state, status: 'succeeded', result: event.data.result, completedAt: event.data.completed_at };
      case 'RemoteCommandFailed':
        return { ...state, status: 'failed', error: event.data.error, completedAt: event.data.completed_at };
      case 'RemoteCommandTimedOut':
        return { ...state, status: 'timed_out', completedAt: event.data.completed_at };
      case 'RemoteCommandExpired':
        return { ...state, status: 'expired', completedAt: event.data.completed_at };
      case 'RemoteCommandLateAckRecorded':
        return { ...state, lateAcks: state.lateAcks + 1 };
    }
  },

  decide(command, state) {
    if (command.type === 'Issue') return issue(command, state);
    if (command.type === 'IssueAndDispatch') return issueAndDispatch(command, state);
    if (state.status === 'none') throw commandNotFound();
    const now = command.now.toISOString();
    switch (command.type) {
      case 'Dispatch':
        return dispatch(command, state);
      case 'Acknowledge': {
        if (command.gatewayId !== state.gatewayId) throw commandNotFound();
        const { outcome } = command;
        if (isFinal(state.status)) {
          return [
            {
              type: 'RemoteCommandLateAckRecorded',
              data: {
                ...ids(state),
                final_status: state.status,
                ack_status: outcome.status,
                ...(outcome.status === 'ok'
                  ? outcome.result === undefined
                    ? {}
                    : { result: outcome.result }
                  : { error: outcome.error }),
                received_at: now,
              },
            },
          ];
        }
        if (outcome.status === 'ok') {
          return [
            {
              type: 'RemoteCommandSucceeded',
              data: {
                ...ids(state),
                ...(outcome.result === undefined ? {} : { result: outcome.result }),
                completed_at: now,
              },
            },
          ];
        }
        return [{ type: 'RemoteCommandFailed', data: { ...ids(state), error: outcome.error, completed_at: now } }];
      }
      case 'TimeOut':
        if (isFinal(state.status)) return [];
        return [
          { type: 'RemoteCommandTimedOut', data: { ...ids(state), timeout_s: state.timeoutS, completed_at: now } },
        ];
      case 'Withdraw':
        if (state.status !== 'issued' && state.status !== 'dispatched') return [];
        if (state.status === 'issued' && state.expiresAt) {
          return [
            { type: 'RemoteCommandExpired', data: { ...ids(state), expires_at: state.expiresAt, completed_at: now } },
          ];
        }
        return [
          { type: 'RemoteCommandTimedOut', data: { ...ids(state), timeout_s: state.timeoutS, completed_at: now } },
        ];
      case 'Sweep': {
        const deadline = deadlineOf(state);
        if (deadline === null || command.now < deadline) return [];
        if (state.status === 'issued' && state.expiresAt) {
          return [
            { type: 'RemoteCommandExpired', data: { ...ids(state), expires_at: state.expiresAt, completed_at: now } },
          ];
        }
        return [
          { type: 'RemoteCommandTimedOut', data: { ...ids(state), timeout_s: state.timeoutS, completed_at: now } },
        ];
      }
    }
  },
};

function dispatch(
  command: { sessionId: string; nodeId: string; now: Date },
  state: RemoteCommandState,
): RemoteCommandEvent[] {
  if (isFinal(state.status))
    throw conflict('command_finished', `The command has already ${state.status.replace('_', ' ')}`);
  if (state.status === 'dispatched' && state.sessionId === command.sessionId) return []; // already sent on this session
  const now = command.now.toISOString();
  if (state.status === 'issued' && state.expiresAt && command.now >= new Date(state.expiresAt)) {
    return [{ type: 'RemoteCommandExpired', data: { ...ids(state), expires_at: state.expiresAt, completed_at: now } }];
  }
  return [
    {
      type: 'RemoteCommandDispatched',
      data: {
        ...ids(state),
        session_id: command.sessionId,
        node_id: command.nodeId,
        dispatched_at: now,
        attempt: state.attempts + 1,
      },
    },
  ];
}

function issueAndDispatch(command: IssueAndDispatchCommand, state: RemoteCommandState): RemoteCommandEvent[] {
  const { sessionId, nodeId, dispatchedAt, ...issueFields } = command;
  const issued = issue({ ...issueFields, type: 'Issue' }, state);
  if (issued.length === 0) return [];
  const afterIssue = issued.reduce(remoteCommandDecider.evolve, state);
  return [...issued, ...dispatch({ sessionId, nodeId, now: dispatchedAt }, afterIssue)];
}

function issue(command: IssueCommand, state: RemoteCommandState): RemoteCommandEvent[] {
  requirePermission(command.actorRole, 'device.control', 'gateway_not_found', 'gateway');
  if (state.status !== 'none') {
    // The client's idempotency key: the same request again changes nothing; another request under it is refused.
    if (
      state.fingerprint === command.fingerprint &&
      state.gatewayId === command.gatewayId &&
      state.issuedBy === command.issuedBy
    )
      return [];
    throw conflict('command_id_conflict', 'This command_id was already used for a different command', {
      command_id: command.commandId,
    });
  }
  const issuedAt = command.now.toISOString();
  return [
    {
      type: 'RemoteCommandIssued',
      data: {
        command_id: command.commandId,
        gateway_id: command.gatewayId,
        home_id: command.homeId,
        device_id: command.deviceId,
        action: command.action,
        params: command.params,
        issued_by: command.issuedBy,
        issued_at: issuedAt,
        timeout_s: command.timeoutS,
        ttl_s: command.ttlS,
        expires_at: command.ttlS > 0 ? new Date(command.now.getTime() + command.ttlS * 1000).toISOString() : null,
        fingerprint: command.fingerprint,
      },
    },
  ];
}
