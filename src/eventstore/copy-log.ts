/**
 * Copies a whole event log from one store to another, through the port only, in global order: every event keeps
 * its id, type, data, metadata (verbatim — hash-chain or any other fields included) and its stream revision.
 *
 * Each run of consecutive events of one stream within a page is appended in one call with the expected revision
 * its first event implies (`no_stream` for revision 0, else revision − 1) — in several consecutive calls when it
 * is larger than `maxAppendBytes` (EventStoreDB refuses an append over its MaxAppendSize, 1 MiB by default). Event ids make a re-run idempotent: an
 * append whose ids are already there at that place succeeds without writing, so an interrupted copy can simply be
 * started again. Anything else already in the destination at those revisions fails with WrongExpectedVersionError.
 * Not kept: the recording time (`created`) and the positions, which belong to the destination.
 */
import { DEFAULT_MAX_APPEND_BYTES, splitBySize } from './append-size.ts';
import type { EventStore, EventToAppend, Position, RecordedEvent } from './port.ts';

export interface CopyProgress {
  /** Events read from the source and appended (or found already present) in the destination. */
  done: number;
  /** Position in the source of the last event copied. */
  position: Position | null;
}

export interface CopyLogOptions {
  pageSize?: number;
  /** Largest append sent to the destination, by the store's own size formula (see append-size.ts). */
  maxAppendBytes?: number;
  onProgress?: (progress: CopyProgress) => void;
}

export async function copyLog(
  source: EventStore,
  destination: EventStore,
  options: CopyLogOptions = {},
): Promise<CopyProgress> {
  const pageSize = options.pageSize ?? 1000;
  const progress: CopyProgress = { done: 0, position: null };
  for (;;) {
    const page = await source.readAll({ after: progress.position, maxCount: pageSize });
    if (page.length === 0) return progress;
    for (const run of streamRuns(page)) {
      for (const part of splitBySize(run, options.maxAppendBytes ?? DEFAULT_MAX_APPEND_BYTES)) {
        const first = part[0]!;
        await destination.appendToStream(first.streamName, part.map(toAppend), {
          expectedRevision: first.revision === 0 ? 'no_stream' : first.revision - 1,
        });
        progress.done += part.length;
        progress.position = part[part.length - 1]!.position;
      }
    }
    options.onProgress?.({ ...progress });
    if (page.length < pageSize) return progress;
  }
}

/** Splits a page into runs of consecutive events of one stream with consecutive revisions. */
export function streamRuns(page: readonly RecordedEvent[]): RecordedEvent[][] {
  const runs: RecordedEvent[][] = [];
  let current: RecordedEvent[] = [];
  for (const event of page) {
    const last = current[current.length - 1];
    if (last !== undefined && (last.streamName !== event.streamName || last.revision + 1 !== event.revision)) {
      runs.push(current);
      current = [];
    }
    current.push(event);
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

function toAppend(event: RecordedEvent): EventToAppend {
  return { id: event.id, type: event.type, data: event.data, metadata: event.metadata };
}
