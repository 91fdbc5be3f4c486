/**
 * Conversions between EventStoreDB's protobuf messages and the test double's in-memory records.
 */
import {
  AllStreamPosition,
  Empty,
  ReadResp,
  StreamIdentifier,
  UUID,
  type ProposedMessage,
  type StreamIdentifierMessage,
  type UUIDMessage,
} from './proto.ts';
import type { LoggedEvent, ProposedEvent } from './memory-log.ts';

export function streamNameOf(identifier: StreamIdentifierMessage | undefined): string {
  if (identifier === undefined) throw new Error('Missing stream identifier');
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

export function streamIdentifier(streamName: string): StreamIdentifierMessage {
  return new StreamIdentifier().setStreamName(Buffer.from(streamName, 'utf8'));
}

/** Ids arrive either as a string or as two signed 64-bit halves ("structured"), as the client chooses. */
export function uuidToString(uuid: UUIDMessage | undefined): string {
  if (uuid === undefined) throw new Error('Missing event id');
  if (!uuid.hasStructured()) return uuid.getString();
  const structured = uuid.getStructured();
  if (structured === undefined) throw new Error('Missing structured event id');
  const bytes = Buffer.alloc(16);
  bytes.writeBigInt64BE(BigInt(structured.getMostSignificantBits()), 0);
  bytes.writeBigInt64BE(BigInt(structured.getLeastSignificantBits()), 8);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function uuidMessage(id: string, structured: boolean): UUIDMessage {
  const uuid = new UUID();
  if (!structured) return uuid.setString(id);
  const bytes = Buffer.from(id.replaceAll('-', ''), 'hex');
  const parts = new UUID.Structured()
    .setMostSignificantBits(bytes.readBigInt64BE(0).toString())
    .setLeastSignificantBits(bytes.readBigInt64BE(8).toString());
  return uuid.setStructured(parts);
}

export function proposedEvent(message: ProposedMessage): ProposedEvent {
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  const contentType = metadata.get('content-type');
  // The server rejects proposed messages without these two entries (RequiredMetadataPropertyMissing).
  if (type === undefined || contentType === undefined) throw new Error('Proposed message lacks type or content-type');
  return {
    id: uuidToString(message.getId()),
    type,
    contentType,
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

export function eventResponse(event: LoggedEvent, structuredIds: boolean): InstanceType<typeof ReadResp> {
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidMessage(event.id, structuredIds))
    .setStreamIdentifier(streamIdentifier(event.streamName))
    .setStreamRevision(event.revision.toString())
    .setCommitPosition(event.commit.toString())
    .setPreparePosition(event.prepare.toString())
    .setData(event.data)
    .setCustomMetadata(event.customMetadata);
  recorded
    .getMetadataMap()
    .set('type', event.type)
    .set('content-type', event.contentType)
    .set('created', event.createdTicks.toString());
  const readEvent = new ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(event.commit.toString());
  return new ReadResp().setEvent(readEvent);
}

export function allStreamPosition(position: {
  commit: bigint;
  prepare: bigint;
}): InstanceType<typeof AllStreamPosition> {
  return new AllStreamPosition()
    .setCommitPosition(position.commit.toString())
    .setPreparePosition(position.prepare.toString());
}

export function empty(): InstanceType<typeof Empty> {
  return new Empty();
}
