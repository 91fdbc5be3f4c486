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

export function handleRead(log: MemoryLog, subscriptions: Set<AllSubscription>) {
  return (call: ServerWritableStream<ReadReqMessage, ReadRespMessage>) => {
    let request: ReadRequest;
    try {
      request = parseReadRequest(call.request);
    } catch (error) {
      call.emit('error', { code: status.INVALID_ARGUMENT, details: (error as Error).message });
      return;
    }
    if (request.count === null) {
      if (request.target.kind === 'stream') {
        // Stream subscriptions exist in EventStoreDB; the adapter does not use them, so the double does not model them.
        call.emit('error', { code: status.UNIMPLEMENTED, details: 'The test double only serves $all subscriptions' });
        return;
      }
      const subscription = new AllSubscription(log, call, request, () => subscriptions.delete(subscription));
      subscriptions.add(subscription);
      subscription.start();
      return;
    }
    const result = oneShotRead(log, request);
    if (result.kind === 'stream_not_found') {
      // EventStoreDB answers a read of a missing stream with this message and a normal end of call.
      const notFound = new ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(result.streamName));
      call.write(new ReadResp().setStreamNotFound(notFound));
    } else {
      for (const event of result.events) call.write(eventResponse(event, request.structuredIds));
    }
    call.end();
  };
}
