/**
 * Translates @eventstore/db-client errors into the port's errors, so callers never see client types.
 */
import { ErrorType, convertToCommandError, isCommandError } from '@eventstore/db-client';
import { EventStoreUnavailableError, StreamNotFoundError, WrongExpectedVersionError } from '../errors.ts';
import type { ExpectedRevision } from '../port.ts';

/** Errors after which the same call may succeed later: the node is down, restarting or lost the connection. */
const TRANSIENT: ReadonlySet<string> = new Set([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.CANCELLED,
  ErrorType.NOT_LEADER,
]);

export function isTransientClientError(error: unknown): boolean {
  const converted = normalise(error);
  return isCommandError(converted) && TRANSIENT.has(converted.type);
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
    default:
      if (TRANSIENT.has(error.type)) {
        return new EventStoreUnavailableError(`EventStoreDB unavailable: ${error.message}`, { cause: error });
      }
      return error;
  }
}
