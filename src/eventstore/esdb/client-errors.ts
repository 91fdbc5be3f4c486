/**
 * Translates @eventstore/db-client errors into the port's errors, so callers never see client types.
 */
import { ErrorType, convertToCommandError, isCommandError } from '@eventstore/db-client';
import {
  AppendTooLargeError,
  EventStoreAccessDeniedError,
  EventStoreUnavailableError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../errors.ts';
import type { ExpectedRevision } from '../port.ts';
import { CallDeadlineError } from './call-deadline.ts';
import { SubscriptionStalledError } from './subscription-liveness.ts';

/**
 * Errors after which the same call may succeed later: the node is down, restarting, electing a leader, timed out
 * a commit, or the connection was lost. TIMEOUT is the older Append's commit timeout (ABORTED), DEADLINE_EXCEEDED
 * BatchAppend's (Status.Timeout); NOT_LEADER fails the whole BatchAppend call during an election.
 */
const TRANSIENT: ReadonlySet<string> = new Set([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.CANCELLED,
  ErrorType.NOT_LEADER,
]);

/**
 * NotHandled answers the client does not recognise. BatchAppend reports NotReady and TooBusy as a result Status
 * with an Empty detail and no code, which client 6.2.1 turns into UnknownError("Could not recognize Server Is Not
 * Ready"); a NotLeader without leader info arrives as a plain UNKNOWN status. Matched on the server's own messages
 * (EventStore v24.10.0, Streams.BatchAppend.cs and RpcExceptions.cs).
 */
const TRANSIENT_UNKNOWN_MESSAGES = [
  'Server Is Not Ready',
  'Server Is Busy',
  'Server Is Too Busy',
  'No leader info available in response',
];

export function isTransientClientError(error: unknown): boolean {
  if (error instanceof CallDeadlineError || error instanceof SubscriptionStalledError) return true;
  const converted = normalise(error);
  if (!isCommandError(converted)) return false;
  if (TRANSIENT.has(converted.type)) return true;
  return (
    converted.type === ErrorType.UNKNOWN &&
    TRANSIENT_UNKNOWN_MESSAGES.some((message) => converted.message.includes(message))
  );
}

/** Some client paths rethrow raw gRPC errors (e.g. the server-features call inside appendToStream). */
function normalise(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  return convertToCommandError(error);
}

export interface ErrorContext {
  streamName?: string;
  expected?: ExpectedRevision;
}

export function toPortError(raw: unknown, context: ErrorContext = {}): Error {
  if (isTransientClientError(raw)) {
    const message = raw instanceof Error ? raw.message : String(raw);
    return new EventStoreUnavailableError(`EventStoreDB unavailable: ${message}`, { cause: raw });
  }
  const error = normalise(raw);
  if (!isCommandError(error)) return error;
  switch (error.type) {
    case ErrorType.WRONG_EXPECTED_VERSION: {
      // The client reports revisions as bigint (typed so; numbers and strings have been seen at run time).
      const actual = error.actualVersion === 'no_stream' ? 'no_stream' : Number(error.actualVersion);
      return new WrongExpectedVersionError(context.streamName ?? error.streamName, context.expected ?? 'any', actual);
    }
    case ErrorType.STREAM_NOT_FOUND:
      return new StreamNotFoundError(context.streamName ?? error.streamName);
    case ErrorType.STREAM_DELETED:
      return new StreamDeletedError(context.streamName ?? error.streamName);
    case ErrorType.ACCESS_DENIED:
      // Not transient: retrying cannot help, the connection string's user lacks the rights.
      return new EventStoreAccessDeniedError(
        `EventStoreDB denied access${context.streamName ? ` to ${context.streamName}` : ''}: reading $all and ` +
          'subscribing to it need a user in $admins (or $ops) in EVENT_STORE_URL',
        { cause: error },
      );
    case ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED:
      return new AppendTooLargeError(context.streamName ?? '(unknown stream)', error.maxAppendSize);
    default:
      return error;
  }
}
