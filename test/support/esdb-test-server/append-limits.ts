/**
 * EventStoreDB's cap on one append (`MaxAppendSize`, 1 MiB by default), with the server's own size formula
 * (Event.SizeOnDisk: data bytes + metadata bytes + 2 × the type's length in UTF-16 units, summed over the events of
 * the append; refused when the sum is strictly greater than the cap) and its own answers.
 */
import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { Any, MaximumAppendSizeExceeded, Status, Code } from './proto.ts';
import type { ProposedEvent } from './memory-log.ts';

export const DEFAULT_MAX_APPEND_SIZE = 1_048_576;

export function appendSize(events: readonly ProposedEvent[]): number {
  return events.reduce(
    (sum, event) => sum + event.data.length + event.customMetadata.length + event.type.length * 2,
    0,
  );
}

/** Status.MaximumAppendSizeExceeded, BatchAppend's per-append answer (client: MaxAppendSizeExceededError). */
export function batchTooLargeStatus(maxAppendSize: number): InstanceType<typeof Status> {
  const details = new Any();
  details.pack(
    new MaximumAppendSizeExceeded().setMaxappendsize(maxAppendSize).serializeBinary(),
    'event_store.client.MaximumAppendSizeExceeded',
  );
  return new Status().setCode(Code.INVALID_ARGUMENT).setMessage('MaximumAppendSizeExceeded').setDetails(details);
}

/** RpcExceptions.MaxAppendSizeExceeded, the older Append call's answer. */
export function rpcTooLarge(maxAppendSize: number): Partial<StatusObject> {
  const metadata = new Metadata();
  metadata.set('exception', 'maximum-append-size-exceeded');
  metadata.set('maximum-append-size', String(maxAppendSize));
  return { code: status.INVALID_ARGUMENT, details: `Maximum Append Size of ${maxAppendSize} Exceeded.`, metadata };
}
