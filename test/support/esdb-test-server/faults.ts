/**
 * Fault switches of the EventStoreDB test double: the transient states a real node goes through (starting up,
 * overloaded, a follower after an election, a slow commit, a stall), answered with the server's own status codes
 * and messages (EventStore/EventStore v24.10.0: Streams.BatchAppend.cs `ConvertMessage`, RpcExceptions.cs,
 * Status.cs), so the adapter meets them exactly as client 6.2.1 reports them.
 */
import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { Any, GoogleEmpty, Status, StreamDeleted, Timeout, Code } from './proto.ts';
import { streamIdentifier } from './wire.ts';

export type EsdbFault =
  /** NotHandled(NotReady): the node is starting, or has just become leader and is not caught up. */
  | 'not_ready'
  /** NotHandled(TooBusy): the node's queues are full. */
  | 'busy'
  /** NotHandled(NotLeader) with leader info: the server throws, which fails the whole BatchAppend call. */
  | 'not_leader'
  /** CommitTimeout: the write was not acknowledged within WriteTimeout (2 s by default) and was not written. */
  | 'write_timeout'
  /** CommitTimeout, but the write did commit (the server may still commit after answering Timeout). */
  | 'write_timeout_committed'
  /** Accepts connections and calls and never answers them. */
  | 'unresponsive';

export interface FaultOptions {
  /** Serve the fault this many times, then behave normally again. Default: until cleared. */
  times?: number;
}

/** The switch tests flip: which fault is on, for how many more calls, and how many were served. */
export class FaultSwitch {
  #fault: EsdbFault | null = null;
  #remaining = Infinity;
  /** Calls answered with a fault (cumulative), so tests can await "the client met it" instead of sleeping. */
  served = 0;
  /** Where NotLeader points the client: set by the server to itself (the "new leader" after an election). */
  leader = { host: '127.0.0.1', port: 0 };

  inject(fault: EsdbFault, options: FaultOptions = {}): void {
    this.#fault = fault;
    this.#remaining = options.times ?? Infinity;
  }

  clear(): void {
    this.#fault = null;
    this.#remaining = Infinity;
  }

  /** The fault a call of these kinds meets now (and counts it as served), or null to answer normally. */
  take(applies: readonly EsdbFault[]): EsdbFault | null {
    const fault = this.#fault;
    if (fault === null || !applies.includes(fault)) return null;
    this.served++;
    if (--this.#remaining <= 0) this.clear();
    return fault;
  }
}

/** Faults an append meets (reads and subscriptions meet only the first three and `unresponsive`). */
export const APPEND_FAULTS: readonly EsdbFault[] = [
  'not_ready',
  'busy',
  'not_leader',
  'write_timeout',
  'write_timeout_committed',
  'unresponsive',
];
/** Reads do not require the leader (the client sends no `requires-leader`), so NotLeader does not touch them. */
export const READ_FAULTS: readonly EsdbFault[] = ['not_ready', 'busy', 'unresponsive'];

/** RpcExceptions.LeaderInfo: NOT_FOUND with the leader's endpoint in the trailers (client: NotLeaderError). */
export function notLeaderError(leader: { host: string; port: number }): Partial<StatusObject> {
  const metadata = new Metadata();
  metadata.set('exception', 'not-leader');
  metadata.set('leader-endpoint-host', leader.host);
  metadata.set('leader-endpoint-port', String(leader.port));
  return { code: status.NOT_FOUND, details: 'Leader info available', metadata };
}

/** RpcExceptions.ServerNotReady / ServerBusy: how Read and the older Append call report the two states. */
export function rpcNotHandled(fault: 'not_ready' | 'busy'): Partial<StatusObject> {
  return { code: status.UNAVAILABLE, details: fault === 'not_ready' ? 'Server Is Not Ready' : 'Server Is Too Busy' };
}

/**
 * BatchAppend's per-append error for NotReady/TooBusy: a google.rpc.Status with NO code (0) and an Empty detail —
 * client 6.2.1 does not recognise the detail and reports `UnknownError("Could not recognize Server Is Not Ready")`.
 */
export function batchNotHandledStatus(fault: 'not_ready' | 'busy'): InstanceType<typeof Status> {
  const details = new Any();
  details.pack(new GoogleEmpty().serializeBinary(), 'google.protobuf.Empty');
  return new Status().setMessage(fault === 'not_ready' ? 'Server Is Not Ready' : 'Server Is Busy').setDetails(details);
}

/** Status.Timeout: DEADLINE_EXCEEDED with a Timeout detail (client: DeadlineExceededError). */
export function batchTimeoutStatus(): InstanceType<typeof Status> {
  const details = new Any();
  details.pack(new Timeout().serializeBinary(), 'event_store.client.Timeout');
  return new Status().setCode(Code.DEADLINE_EXCEEDED).setMessage('Timeout').setDetails(details);
}

/** RpcExceptions.Timeout, as the older Append call reports a commit timeout (client: TimeoutError). */
export function rpcTimeout(): Partial<StatusObject> {
  return { code: status.ABORTED, details: 'Operation timed out: Commit timed out.' };
}

/** RpcExceptions.StreamDeleted: how Read and the older Append call report a hard-deleted stream. */
export function rpcStreamDeleted(streamName: string): Partial<StatusObject> {
  const metadata = new Metadata();
  metadata.set('exception', 'stream-deleted');
  metadata.set('stream-name', streamName);
  return { code: status.FAILED_PRECONDITION, details: `Event stream '${streamName}' is deleted.`, metadata };
}

/** Status.StreamDeleted, BatchAppend's answer for a hard-deleted stream (client: StreamDeletedError). */
export function batchStreamDeletedStatus(streamName: string): InstanceType<typeof Status> {
  const details = new Any();
  details.pack(
    new StreamDeleted().setStreamIdentifier(streamIdentifier(streamName)).serializeBinary(),
    'event_store.client.StreamDeleted',
  );
  return new Status().setCode(Code.NOT_FOUND).setMessage('StreamDeleted').setDetails(details);
}

/** RpcExceptions.AccessDenied: a read the user may not make (client: AccessDeniedError). */
export function rpcAccessDenied(): Partial<StatusObject> {
  const metadata = new Metadata();
  metadata.set('exception', 'access-denied');
  return { code: status.PERMISSION_DENIED, details: 'Access Denied', metadata };
}
