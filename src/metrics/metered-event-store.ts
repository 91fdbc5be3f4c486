import { Histogram, type Registry } from 'prom-client';
import { DelegatingEventStore } from '../eventstore/delegating-event-store.ts';
import type { AppendOptions, AppendResult, EventStore, EventToAppend, StreamAppend } from '../eventstore/port.ts';

const APPEND_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

type Operation = 'append_to_stream' | 'append_to_streams';

/** The append series of the event store, whichever adapter is behind it. */
export class AppendMetrics {
  private readonly duration: Record<Operation, Histogram.Internal<'operation'>>;
  private readonly batch: Record<Operation, Histogram.Internal<'operation'>>;

  constructor(registry: Registry) {
    const duration = new Histogram({
      name: 'smarthome_event_store_append_duration_seconds',
      help: 'Event-store appends, by operation (append_to_stream: one stream; append_to_streams: a batch of streams), failed ones included',
      labelNames: ['operation'],
      buckets: APPEND_BUCKETS,
      registers: [registry],
    });
    const batch = new Histogram({
      name: 'smarthome_event_store_append_events',
      help: 'Events per event-store append call, by operation',
      labelNames: ['operation'],
      buckets: BATCH_BUCKETS,
      registers: [registry],
    });
    const children = (histogram: Histogram<'operation'>) => ({
      append_to_stream: histogram.labels({ operation: 'append_to_stream' }),
      append_to_streams: histogram.labels({ operation: 'append_to_streams' }),
    });
    this.duration = children(duration);
    this.batch = children(batch);
  }

  /** Runs one append, timing it and counting its events. */
  async measure<T>(operation: Operation, events: number, append: () => Promise<T>): Promise<T> {
    this.batch[operation].observe(events);
    const started = performance.now();
    try {
      return await append();
    } finally {
      this.duration[operation].observe((performance.now() - started) / 1000);
    }
  }
}

/** An event store whose appends are measured: wraps the opened store in the composition, so every adapter is. */
export class MeteredEventStore extends DelegatingEventStore {
  constructor(
    inner: EventStore,
    private readonly metrics: AppendMetrics,
  ) {
    super(inner);
    const appendToStreams = this.appendToStreams;
    if (appendToStreams) {
      this.appendToStreams = (appends: readonly StreamAppend[]) =>
        metrics.measure('append_to_streams', eventsIn(appends), () => appendToStreams(appends));
    }
  }

  override appendToStream(
    stream: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    return this.metrics.measure('append_to_stream', events.length, () => super.appendToStream(stream, events, options));
  }
}

function eventsIn(appends: readonly StreamAppend[]): number {
  let total = 0;
  for (const append of appends) total += append.events.length;
  return total;
}
