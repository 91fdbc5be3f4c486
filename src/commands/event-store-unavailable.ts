/**
 * The one event-store failure the API answers itself: the store is unreachable or in a transient state (restart,
 * leader election, overload) and the command's retries ran out. The API may not import src/eventstore, so the
 * write side hands the error class on; every command is safe to repeat, hence 503 with Retry-After.
 */
export { EventStoreUnavailableError } from '../eventstore/errors.ts';

/** Seconds a client should wait before repeating a command refused because the event store is unavailable. */
export const EVENT_STORE_RETRY_AFTER_S = 2;
