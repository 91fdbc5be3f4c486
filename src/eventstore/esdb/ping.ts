/**
 * Readiness probe: the cheapest read (the last record of `$all`) under a short deadline of our own — the 6.x
 * client gives reads an infinite gRPC deadline whatever the options say.
 */
import { BACKWARDS, END, type EventStoreDBClient } from '@eventstore/db-client';
import { EventStoreUnavailableError } from '../errors.ts';
import { toPortError } from './client-errors.ts';

export async function ping(client: EventStoreDBClient, timeoutMs: number): Promise<void> {
  const read = client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
  const timer = setTimeout(() => {
    void read.cancel();
    // Cancelling alone leaves the iterator waiting: the client swallows its own cancellation error.
    read.destroy(new EventStoreUnavailableError(`EventStoreDB did not answer within ${timeoutMs} ms`));
  }, timeoutMs);
  try {
    for await (const _ of read) void _;
  } catch (error) {
    throw toPortError(error);
  } finally {
    clearTimeout(timer);
  }
}
