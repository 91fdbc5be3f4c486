/**
 * Streams.Read for the EventStoreDB test double: finite stream/$all reads and $all subscriptions.
 */
import { status, type ServerWritableStream } from '@grpc/grpc-js';
import { ReadResp, type ReadReqMessage, type ReadRespMessage } from './proto.ts';
import type { MemoryLog } from './memory-log.ts';
import { AllSubscription } from './all-subscription.ts';
import { oneShotRead } from './one-shot-read.ts';
import { parseReadRequest, type ReadRequest } from './read-request.ts';
import { eventResponse, streamIdentifier } from './wire.ts';
import type { ServerGeneration } from './slow-subscribers.ts';
import { READ_FAULTS, rpcAccessDenied, rpcNotHandled, rpcStreamDeleted, type FaultSwitch } from './faults.ts';

/** What the double was asked to read, so tests can assert on the cost of a client path. */
export interface ReadStats {
  /** Finite reads of `$all` and the events they returned. */
  allReads: number;
  allEventsRead: number;
  /** `$all` subscriptions opened, and the events they scanned (catch-up and live, matching or not). */
  subscriptionsOpened: number;
  subscriptionEventsScanned: number;
  /** Live subscriptions whose client did not read: dropped (23.10) or sent back to catch-up (24.10). */
  slowSubscribersDropped: number;
  slowSubscribersFellBehind: number;
}

export function newReadStats(): ReadStats {
  return {
    allReads: 0,
    allEventsRead: 0,
    subscriptionsOpened: 0,
    subscriptionEventsScanned: 0,
    slowSubscribersDropped: 0,
    slowSubscribersFellBehind: 0,
  };
}

/** How the double's server behaves towards readers: its generation, its ACL, and the test's switches. */
export interface ReadBehaviour {
  generation: ServerGeneration;
  allRequiresAdmin: boolean;
  /** See SubscriptionHooks.clientsStopReading. */
  clientsStopReading: () => boolean;
}

const DEFAULT_BEHAVIOUR: ReadBehaviour = {
  generation: '24.10',
  allRequiresAdmin: false,
  clientsStopReading: () => false,
};

export function handleRead(
  log: MemoryLog,
  subscriptions: Set<AllSubscription>,
  stats: ReadStats = newReadStats(),
  faults: FaultSwitch | null = null,
  behaviour: ReadBehaviour = DEFAULT_BEHAVIOUR,
) {
  return (call: ServerWritableStream<ReadReqMessage, ReadRespMessage>) => {
    const fault = faults?.take(READ_FAULTS) ?? null;
    if (fault === 'unresponsive') return; // the call stays open, unanswered, until the client gives up
    if (fault === 'not_ready' || fault === 'busy') {
      call.emit('error', rpcNotHandled(fault));
      return;
    }
    let request: ReadRequest;
    try {
      request = parseReadRequest(call.request);
    } catch (error) {
      call.emit('error', { code: status.INVALID_ARGUMENT, details: (error as Error).message });
      return;
    }
    // A secure server's default ACL: only $admins (and $ops) read $all; this double has no users, so none may.
    if (request.target.kind === 'all' && behaviour.allRequiresAdmin) {
      call.emit('error', rpcAccessDenied());
      return;
    }
    if (request.count === null) {
      if (request.target.kind === 'stream') {
        // Stream subscriptions exist in EventStoreDB; the adapter does not use them, so the double does not model them.
        call.emit('error', { code: status.UNIMPLEMENTED, details: 'The test double only serves $all subscriptions' });
        return;
      }
      stats.subscriptionsOpened++;
      const subscription = new AllSubscription(log, call, request, {
        generation: behaviour.generation,
        clientsStopReading: behaviour.clientsStopReading,
        onClose: () => subscriptions.delete(subscription),
        onScan: () => {
          stats.subscriptionEventsScanned++;
        },
        onSlowClient: (outcome) => {
          if (outcome === 'dropped') stats.slowSubscribersDropped++;
          else stats.slowSubscribersFellBehind++;
        },
      });
      subscriptions.add(subscription);
      subscription.start();
      return;
    }
    if (request.target.kind === 'stream' && log.isTombstoned(request.target.streamName)) {
      call.emit('error', rpcStreamDeleted(request.target.streamName));
      return;
    }
    const result = oneShotRead(log, request);
    if (result.kind === 'stream_not_found') {
      // EventStoreDB answers a read of a missing stream with this message and a normal end of call.
      const notFound = new ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(result.streamName));
      call.write(new ReadResp().setStreamNotFound(notFound));
    } else {
      if (request.target.kind === 'all') {
        stats.allReads++;
        stats.allEventsRead += result.events.length;
      }
      for (const event of result.events) call.write(eventResponse(event, request.structuredIds));
    }
    call.end();
  };
}
