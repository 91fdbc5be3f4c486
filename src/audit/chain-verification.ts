import { StreamNotFoundError } from '../eventstore/errors.ts';
import { verifyStreamChain, type ChainBreak, type StreamEvent } from '../eventstore/hash-chain.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { AuditRecord } from './audit-record.ts';
import { scopedEvents, type AuditScope } from './audit-scope.ts';

export interface ChainReport {
  streams: number;
  events: number;
  /** At most one per stream (the first event that does not match), oldest first. */
  breaks: ChainBreak[];
}

export function describeBreak(breakage: ChainBreak): string {
  return `${breakage.stream} revision ${breakage.revision} (${breakage.type}, event ${breakage.eventId}): ${breakage.reason}`;
}

/** Verifies, from the store, every whole stream the scope touches (from revision 0, so each starts at genesis). */
export async function verifyStoreChains(store: EventStore, scope: AuditScope): Promise<ChainReport> {
  const streams = new Set<string>();
  for await (const event of scopedEvents(store, scope)) streams.add(event.streamName);
  const breaks: Array<ChainBreak & { order: string }> = [];
  let events = 0;
  for (const stream of streams) {
    let recorded;
    try {
      recorded = await store.readStream(stream);
    } catch (error) {
      if (error instanceof StreamNotFoundError) continue;
      throw error;
    }
    events += recorded.length;
    const breakage = verifyStreamChain(recorded);
    if (breakage) breaks.push({ ...breakage, order: recorded.find((e) => e.id === breakage.eventId)?.position ?? '' });
  }
  return { streams: streams.size, events, breaks: sortBreaks(breaks) };
}

/**
 * Verifies an exported file offline. Events are grouped by stream and ordered by revision; a stream whose export
 * starts after revision 0 (an export with --from) is checked from its first exported event's recorded link on.
 */
export function verifyRecordChains(records: readonly AuditRecord[]): ChainReport {
  const byStream = new Map<string, Array<StreamEvent & { position: string }>>();
  for (const record of records) {
    const list = byStream.get(record.stream) ?? [];
    list.push({
      streamName: record.stream,
      revision: record.revision,
      id: record.id,
      type: record.type,
      data: record.data,
      metadata: record.metadata,
      position: record.position,
    });
    byStream.set(record.stream, list);
  }
  const breaks: Array<ChainBreak & { order: string }> = [];
  for (const events of byStream.values()) {
    events.sort((a, b) => a.revision - b.revision);
    const breakage = verifyStreamChain(events);
    if (breakage)
      breaks.push({
        ...breakage,
        order: events.find((e) => e.id === breakage.eventId && e.revision === breakage.revision)?.position ?? '',
      });
  }
  return { streams: byStream.size, events: records.length, breaks: sortBreaks(breaks) };
}

function sortBreaks(breaks: Array<ChainBreak & { order: string }>): ChainBreak[] {
  return breaks
    .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0))
    .map(({ order: _order, ...rest }) => rest);
}
