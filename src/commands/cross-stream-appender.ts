import type { AppendResult, EventStore, EventToAppend, ExpectedRevision, StreamAppend } from '../eventstore/port.ts';

/** Appends to one stream: the store itself, or a CrossStreamAppender in front of it. */
export interface StreamAppender {
  /** As `EventStore.appendToStream`: throws WrongExpectedVersionError when the expectation does not hold. */
  append(stream: string, events: readonly EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
}

export interface CrossStreamAppenderOptions {
  /** Streams per batch (each a subtransaction on Postgres). */
  maxStreams?: number;
  /** Approximate JSON bytes per batch; a single larger append still goes, alone. */
  maxBytes?: number;
}

interface Pending extends StreamAppend {
  bytes: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

const DEFAULT_MAX_STREAMS = 500;
const DEFAULT_MAX_BYTES = 2 ** 20;

/**
 * One per process: gathers single-stream appends from every caller (all gateways' telemetry, session opens and
 * closes) into multi-stream appends (`EventStore.appendToStreams`: one transaction and one WAL flush on Postgres
 * instead of one per stream). Natural batching, no timer: the first append goes at once (in a microtask, so
 * appends made in the same turn join it), and whatever arrives while a batch is in flight goes in the next one.
 * Each caller gets its own stream's outcome — a conflict on one stream fails only that caller — and only after
 * the batch committed. Appends to one stream keep their order: a stream is in a batch at most once, and a later
 * append to it waits for the next batch. A store without `appendToStreams` is called directly, one append each.
 */
export class CrossStreamAppender implements StreamAppender {
  private queue: Pending[] = [];
  private flushing = false;
  private readonly maxStreams: number;
  private readonly maxBytes: number;

  constructor(
    private readonly store: EventStore,
    options: CrossStreamAppenderOptions = {},
  ) {
    this.maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  append(stream: string, events: readonly EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    if (!this.store.appendToStreams) return this.store.appendToStream(stream, events, { expectedRevision });
    if (events.length === 0) return Promise.reject(new TypeError('append needs at least one event'));
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ stream, events, expectedRevision, bytes: approximateBytes(events), resolve, reject });
      if (this.flushing) return;
      this.flushing = true;
      queueMicrotask(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.write(this.takeBatch());
    } finally {
      this.flushing = false;
    }
  }

  /** The oldest appends that fit, one per stream; an append passed over blocks its stream's later ones too. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const taken = new Set<string>();
    let bytes = 0;
    for (const pending of this.queue) {
      const fits =
        !taken.has(pending.stream) &&
        batch.length < this.maxStreams &&
        (batch.length === 0 || bytes + pending.bytes <= this.maxBytes);
      taken.add(pending.stream);
      if (fits) {
        batch.push(pending);
        bytes += pending.bytes;
      } else {
        rest.push(pending);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async write(batch: readonly Pending[]): Promise<void> {
    try {
      const outcomes = await this.store.appendToStreams!(
        batch.map(({ stream, events, expectedRevision }) => ({ stream, events, expectedRevision })),
      );
      batch.forEach((pending, index) => {
        const outcome = outcomes[index]!;
        if (outcome instanceof Error) pending.reject(outcome);
        else pending.resolve(outcome);
      });
    } catch (error) {
      // The whole call failed (store unreachable): every caller learns it; retrying with the same ids is safe.
      for (const pending of batch) pending.reject(error);
    }
  }
}

/** What the events weigh on the wire, roughly (the batch cap needs no precision). */
function approximateBytes(events: readonly EventToAppend[]): number {
  let bytes = 0;
  for (const event of events) bytes += JSON.stringify(event.data).length + JSON.stringify(event.metadata).length + 100;
  return bytes;
}
