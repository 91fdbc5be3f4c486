import type { ExpectedRevision, StreamRevision } from './port.ts';

export class WrongExpectedVersionError extends Error {
  override readonly name = 'WrongExpectedVersionError';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** Revision of the stream's last event, or 'no_stream' when it does not exist. */
    readonly actual: StreamRevision | 'no_stream',
  ) {
    super(`Append to ${streamName} expected revision ${String(expected)} but the stream is at ${String(actual)}`);
  }
}

export class StreamNotFoundError extends Error {
  override readonly name = 'StreamNotFoundError';
  constructor(readonly streamName: string) {
    super(`Stream ${streamName} not found`);
  }
}

/** The store could not be reached or answered with an unexpected failure. */
export class EventStoreUnavailableError extends Error {
  override readonly name = 'EventStoreUnavailableError';
}

/** The stream was deleted (hard-deleted streams can never be written again; soft-deleted ones are re-created by a write). */
export class StreamDeletedError extends Error {
  override readonly name = 'StreamDeletedError';
  constructor(readonly streamName: string) {
    super(`Stream ${streamName} is deleted`);
  }
}

/** One append was larger than the store accepts in one call (EventStoreDB: MaxAppendSize, 1 MiB by default). */
export class AppendTooLargeError extends Error {
  override readonly name = 'AppendTooLargeError';
  constructor(
    readonly streamName: string,
    readonly maxAppendSize: number,
  ) {
    super(`An append to ${streamName} exceeds the store's maximum append size of ${maxAppendSize} bytes`);
  }
}

/** The store refused the call to the configured user (EventStoreDB: reading `$all` needs a user in `$admins`). */
export class EventStoreAccessDeniedError extends Error {
  override readonly name = 'EventStoreAccessDeniedError';
}
