import type { Observable } from 'rxjs';
import type {
  AppendOptions,
  AppendResult,
  CountEventsOptions,
  EventStore,
  EventToAppend,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamAppendOutcome,
  SubscribeToAllOptions,
} from './port.ts';

/**
 * An event store that hands every call to another one. Wrappers that change one behaviour (fault injection,
 * test doubles that break subscriptions) extend it and override only that, so the port is written out once.
 */
export class DelegatingEventStore implements EventStore {
  appendToStreams?: (appends: readonly StreamAppend[]) => Promise<StreamAppendOutcome[]>;
  countEvents?: (options: CountEventsOptions) => Promise<number>;

  constructor(protected readonly inner: EventStore) {
    // Optional capabilities stay absent when the inner store lacks them (callers test for them).
    if (inner.countEvents) this.countEvents = inner.countEvents.bind(inner);
    if (inner.appendToStreams) this.appendToStreams = inner.appendToStreams.bind(inner);
  }

  get kind() {
    return this.inner.kind;
  }

  appendToStream(stream: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    return this.inner.appendToStream(stream, events, options);
  }

  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(stream, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  headPosition(): Promise<Position | null> {
    return this.inner.headPosition();
  }

  subscribeToAll(options?: SubscribeToAllOptions): Observable<RecordedEvent> {
    return this.inner.subscribeToAll(options);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
