/**
 * What EventStoreDB does with a `$all` subscriber that stops reading while live — the one place the double's two
 * server generations differ (read from EventStore/EventStore at `oss-v23.10.0` and `v24.10.0`).
 *
 * Both generations hold a live subscription's events in two bounded channels of MaxLiveEventBufferCount (32)
 * each: the one the gRPC call is written from (full mode Wait) and the live channel the subscription service
 * fills. Catch-up reads wait for the client in both. They differ once the live channel overflows:
 *
 * - 23.10 (`Grpc/Enumerators.AllSubscription.cs`, `…Filtered.cs`: `ConsumerTooSlow`): the live channel is full
 *   mode Wait, `TryWrite` fails, and the server unsubscribes and fails the call with `RpcExceptions.Timeout` —
 *   ABORTED "Operation timed out: Consumer too slow to handle event while live. Client resubscription required."
 *   Client 6.2.1 turns ABORTED into a `TimeoutError`; the client must subscribe again itself.
 * - 24.10 (`Transport/Enumerators/Enumerator.AllSubscription.cs`, `…Filtered.cs`): the live channel is
 *   DropOldest; the gap in its sequence numbers sends the subscription back to catch-up reads from the last
 *   position it sent (a filtered one first sends a checkpoint there), and it goes live again with a second
 *   `caughtUp` (and, filtered, a checkpoint). The call never fails; `FellBehind` is not sent to clients
 *   (`Streams.Read.cs`: "currently not sent to clients").
 */
import { status, type StatusObject } from '@grpc/grpc-js';

export type ServerGeneration = '23.10' | '24.10';

/** The version ServerFeatures.GetSupportedMethods reports for each generation. */
export const SERVER_VERSION: Record<ServerGeneration, string> = { '23.10': '23.10.0', '24.10': '24.10.0' };

const MAX_LIVE_EVENT_BUFFER_COUNT = 32;

/** Unsent live events a subscription holds for a client that does not read before its live channel overflows. */
export const SLOW_CLIENT_CAPACITY = 2 * MAX_LIVE_EVENT_BUFFER_COUNT;

/** 23.10's answer to the overflow, as RpcExceptions.Timeout builds it. */
export function consumerTooSlow(): Partial<StatusObject> {
  return {
    code: status.ABORTED,
    details: 'Operation timed out: Consumer too slow to handle event while live. Client resubscription required.',
  };
}
